"""Deterministic synthetic articles built from the real corpus, for load and scale tests.

The corpus has 27 real articles; benchmarks and pagination tests need thousands that look the
same to a parser. Each synthetic post reuses real pieces — top-level blocks of real bodies
(paragraphs, hidden ``display:none`` paragraphs, stock-chart widgets, ``<center><img>`` images,
``<h3 class="emh3">`` headings) and fragments of real titles — shuffled by a seeded RNG, and
gets the real footer: the ``em_media`` line, the share link and the return links.

Codes are ``NW`` + ``yyyymmdd`` + 10 digits and strictly decrease with time like Eastmoney's;
the last three digits come from the generator's arguments, so sets generated for different
categories or seeds can be served together without colliding. Codes of the base posts are never
reused. Times go back from 2022-06-30 23:59 (Shanghai) by one to seven minutes per post.

Generation only joins strings (about 10 µs a post); pages are rendered when requested.
"""

from __future__ import annotations

import random
import re
import zlib
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Iterable, Sequence

from .articles import SHARE_URL, Article
from .corpus import Post, load_posts

START = datetime(2022, 6, 30, 23, 59, 0, tzinfo=timezone(timedelta(hours=8)))
SITE_HOST = "finews.withounder.com"
MAX_POSTS = 400_000  # the 7-digit counter steps down by at most 5 a post

_BLOCK = re.compile(
    r"<!-- EM_StockImg_Start -->.*?<!-- EM_StockImg_End -->"
    r"|<(p|center|h3)\b[^>]*>.*?</\1>",
    re.S,
)
_TITLE_SPLIT = re.compile(r"[ 　]+")
_CLAUSE = re.compile(r"[^，。！？；：、“”]{6,18}")


@lru_cache(maxsize=1)
def corpus_posts() -> tuple[Post, ...]:
    """The default base: the shared corpus, read once per process."""
    return tuple(load_posts())


class _Pieces:
    """Reusable parts of the base posts, sorted so the same base always yields the same posts."""

    def __init__(self, base: Sequence[Post]):
        text, noise, heads, clauses = [], [], [], []
        self.codes = {p.info_code for p in base}
        self.tags: dict[str, str] = {}
        self.media: dict[str, str] = {}
        for post in sorted(base, key=lambda p: p.info_code):
            article = Article(post)
            if not article.is_share:
                continue
            if post.tags:
                self.tags.setdefault(post.category, post.tags[0])
            self.media.setdefault(post.category, article.media)
            heads += [h for h in _TITLE_SPLIT.split(post.title) if len(h) >= 4]
            for m in _BLOCK.finditer(article.html):
                block = m.group(0)
                if 'class="em_media"' in block:
                    continue
                visible = m.group(1) == "p" and "display:none" not in block.replace(" ", "")
                if visible and re.sub(r"<[^>]*>", "", block).strip():
                    text.append(block)
                    for segment in re.split(r"<[^>]*>", block):  # clauses never span a tag
                        clauses += [c.strip() for c in _CLAUSE.findall(segment) if len(c.strip()) >= 6]
                else:
                    noise.append(block)
        if not text or not heads:
            raise ValueError("base posts hold no share articles to build synthetic posts from")
        self.text, self.noise, self.heads = text, noise, heads
        self.clauses = clauses or heads


def _body(rand, pieces: _Pieces) -> str:
    # rand() instead of Random.sample/choice: those cost several times more, and generating
    # thousands of posts must stay fast. A repeated pick is dropped, so a body may be shorter.
    text, noise = pieces.text, pieces.noise
    n_text = len(text)
    picks = dict.fromkeys(int(rand() * n_text) for _ in range(3 + int(rand() * 10)))
    blocks = [text[i] for i in picks]
    if noise:
        for _ in range(int(rand() * 2.5)):  # 0, 1 or 2 noise blocks
            blocks.insert(int(rand() * (len(blocks) + 1)), noise[int(rand() * len(noise))])
    return ("\n " if rand() < 0.5 else "").join(blocks)  # both separators occur in real bodies


def synthetic_posts(
    n: int,
    *,
    seed: int = 0,
    category: str = "kejiribao",
    tag: str | None = None,
    media: str | None = None,
    base: Iterable[Post] | None = None,
) -> list[Post]:
    """``n`` new share-article posts of ``category``, newest first, identical for identical arguments.

    ``tag`` and ``media`` default to what the base posts of ``category`` use (``科技日报新闻`` /
    ``科技日报`` for kejiribao); for a category the base lacks, ``media`` is required and the tag
    is ``media + "新闻"``. ``base`` defaults to the shared corpus.
    """
    if not 0 <= n <= MAX_POSTS:
        raise ValueError(f"n must be between 0 and {MAX_POSTS}")
    pieces = _Pieces(list(base) if base is not None else corpus_posts())
    media = media or pieces.media.get(category)
    if media is None:
        raise ValueError(f"category {category!r} is not in the base posts: pass media=…")
    tag = tag or pieces.tags.get(category) or media + "新闻"
    key = f"{seed}|{category}|{tag}|{media}"
    rng = random.Random(key)
    suffix = zlib.crc32(key.encode("utf-8")) % 1000
    counter = 2_410_000 + rng.randrange(1000)
    when = START - timedelta(seconds=rng.randrange(60))
    footer_tail = f"\n\n[返回{tag}](//{SITE_HOST}/category/{category}.html)｜[返回首页](//{SITE_HOST}/)"
    em_media = f'<p class="em_media">（文章来源：{media}）</p>'
    rand, heads, clauses = rng.random, pieces.heads, pieces.clauses
    posts = []
    while len(posts) < n:
        date_raw = f"{when:%Y-%m-%d %H:%M:%S} +0800"
        code = f"NW{date_raw[:4]}{date_raw[5:7]}{date_raw[8:10]}{counter:07d}{suffix:03d}"
        if code not in pieces.codes:
            title = f"{heads[int(rand() * len(heads))]} {clauses[int(rand() * len(clauses))]}"
            body = f"{_body(rand, pieces)}{em_media}\n\n<{SHARE_URL.format(code=code)}>{footer_tail}"
            posts.append(Post(code, title, date_raw, category, [tag], body, published=when))
        counter -= 1 + int(rand() * 5)
        when -= timedelta(seconds=60 + int(rand() * 360))
    return posts
