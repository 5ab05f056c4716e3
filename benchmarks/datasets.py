"""Benchmark pages with their truth: the waddle/DAnIEL Chinese corpus and the project's own
corpus posts rendered in the layouts the crawler reads.

Nothing here is copied into the repository: the waddle pages are read from
``../shared/bench/waddle-daniel-zh`` (or ``$FINEWS_BENCH_DIR/waddle-daniel-zh``) and the posts from
the shared corpus (``$FINEWS_CORPUS_DIR``) every run.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def bench_dir() -> Path:
    env = os.environ.get("FINEWS_BENCH_DIR")
    return Path(env) if env else ROOT.parent / "shared" / "bench"


@dataclass
class Page:
    dataset: str
    id: str
    url: str
    html: str
    body: str  # reference body text, one paragraph a line
    title: str | None = None  # None: no known title for this page
    date: dt.datetime | None = None  # aware, Asia/Shanghai; None: no known date
    date_precision: str = "minute"  # what the page shows: "minute" or "second"


# --- waddle-daniel-zh ---------------------------------------------------------------------------

_REF_P = re.compile(r"<p>?(.*?)</p>", re.S)
_TAG = re.compile(r"<[^>]+>")
_PAGE_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.S | re.I)


def _reference_paragraphs(text: str) -> list[str]:
    # Lenient on purpose: a few <p> are unclosed and one is written ``<p堅果…</p>`` (PROVENANCE).
    paragraphs = [_TAG.sub("", p).strip() for p in _REF_P.findall(text)]
    return [p for p in paragraphs if p]


def waddle_pages(limit: int | None = None) -> list[Page]:
    """The 401 Chinese pages. The headline is the first reference paragraph when its first 12
    characters appear in the page ``<title>`` (364 pages, the PROVENANCE rule); it then becomes
    the title label and is removed from the body reference, because every extractor reports the
    headline as the title, not as body text. Other pages keep their whole reference as body and
    have no title label."""
    from html import unescape

    base = bench_dir() / "waddle-daniel-zh"
    corpus = base / "corpora" / "Corpus_daniel_v2.1"
    ids = (base / "zh_ids.txt").read_text("utf-8").split()
    pages = []
    for doc_id in ids[:limit]:
        # UTF-8 whatever the <meta charset> says: the corpus authors re-encoded every page.
        html = (corpus / "html" / doc_id).read_bytes().decode("utf-8", "replace")
        paragraphs = _reference_paragraphs((corpus / "reference" / doc_id).read_bytes().decode("utf-8", "replace"))
        m = _PAGE_TITLE.search(html)
        page_title = " ".join(unescape(m.group(1)).split()) if m else ""
        title = None
        if paragraphs and paragraphs[0][:12] and " ".join(paragraphs[0][:12].split()) in page_title:
            title, paragraphs = paragraphs[0], paragraphs[1:]
        host = doc_id.split("_", 2)[1]
        pages.append(Page("waddle-daniel-zh", doc_id, f"http://{host}/{doc_id}", html, "\n".join(paragraphs), title))
    return pages


# --- the project's corpus in its own layouts ---------------------------------------------------


def _post_files(corpus_dir: Path) -> dict[str, Path]:
    return {p.stem.split("-", 3)[3]: p for p in (corpus_dir / "finews_posts").glob("*/*.md")}


def corpus_pages(*, drift: bool = False) -> list[Page]:
    """Every corpus post as its finews post page and its Eastmoney article page (``drift``: the
    same pages with class names and structure changed, see ``sandbox/render_drift.py``).

    Truth comes from the post file, read by the tests' independent reader: title, date as the
    page shows it (finews: Shanghai time to the second; Eastmoney: minutes) and the visible
    paragraphs without the source, share and return-link lines."""
    from sandbox import render_eastmoney, render_finews
    from sandbox.articles import Article
    from sandbox.corpus import default_corpus_dir, load_posts
    from tests.postfile import read_post

    corpus_dir = default_corpus_dir()
    files = _post_files(corpus_dir)
    if drift:
        from sandbox import render_drift

        def render_post(post, others):
            return render_drift.render_post(post, others)

        def render_article(article, others):
            return render_drift.render_article(article, [Article(p) for p in others])

        suffix = "-drift"
    else:
        def render_post(post, others):
            return render_finews.render_post(post)

        def render_article(article, others):
            return render_eastmoney.render_article(article)

        suffix = ""
    finews, eastmoney = [], []
    posts = load_posts(corpus_dir)
    by_category: dict[str, list] = {}
    for post in render_finews.newest_first(posts):
        by_category.setdefault(post.category, []).append(post)
    for post in posts:
        others = by_category[post.category]
        body = "\n".join(read_post(files[post.info_code]).paragraphs)
        finews.append(
            Page(f"corpus-finews{suffix}", post.info_code, post.url, render_post(post, others), body, post.title,
                 post.local_time, "second")
        )
        article = Article(post)
        if article.digits:
            eastmoney.append(
                Page(f"corpus-eastmoney{suffix}", post.info_code, f"https://finance.eastmoney.com/a/{article.digits}.html",
                     render_article(article, others), body, post.title, post.show_time.replace(second=0), "minute")
            )
    return finews + eastmoney
