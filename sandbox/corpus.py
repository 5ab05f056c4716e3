"""The posts the sandbox serves: real finews Jekyll posts read from the shared corpus at run time.

The corpus is never copied into the repository; it is found next to the repository
(``../shared/corpus``), or wherever ``FINEWS_CORPUS_DIR`` or an explicit argument points.

Parsing follows what Jekyll 4 does with these files, because the sandbox must serve the pages the
real site serves: the front-matter date decides the URL (in the site's time zone), a date written
without an offset is read as UTC (so it shows 8 hours later in Asia/Shanghai), and a ``tags`` or
``categories`` string is split on whitespace.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

import yaml

SITE_URL = "https://finews.withounder.com"
SITE_TZ = ZoneInfo("Asia/Shanghai")
POST_FOLDERS = ("_posts", "old_post")

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n?)^---[ \t]*(?:\n|\Z)", re.S | re.M)
_FILE_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})-(.+)\.(?:md|markdown|html)$")
_DATE_LINE = re.compile(r"^date:[ \t]*(.*?)[ \t]*$", re.M)
_DATE = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[Tt ]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?"
    r"[ \t]*(Z|[+-]\d{2}:?\d{2})?$"
)


def default_corpus_dir() -> Path:
    """The corpus root: ``$FINEWS_CORPUS_DIR`` if set, else ``shared/corpus`` beside the repo."""
    env = os.environ.get("FINEWS_CORPUS_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[1].parent / "shared" / "corpus"


def jekyll_escape_path(path: str) -> str:
    """Percent-encode a URL path the way Jekyll's ``URL.escape_path`` does.

    Jekyll keeps RFC 3986 ``pchar`` characters and ``/`` and encodes everything else as UTF-8
    (so ``·`` becomes ``%C2%B7``); the crawler sees these exact hrefs on the live site.
    """
    return quote(path, safe="/:@!$&'()*+,;=-._~")


def parse_jekyll_date(raw: str) -> datetime:
    """Read a front-matter date as Jekyll 4 does and return an aware datetime.

    ``2022-01-11 21:48:28 +0800`` keeps its offset; a time with no offset is a YAML timestamp,
    which Ruby reads as UTC; a bare date is midnight in the site's time zone.
    """
    m = _DATE.match(raw.strip())
    if not m:
        raise ValueError(f"not a Jekyll date: {raw!r}")
    y, mo, d, hh, mm, ss, off = m.groups()
    if hh is None:
        return datetime(int(y), int(mo), int(d), tzinfo=SITE_TZ)
    if off is None or off == "Z":
        tz = timezone.utc
    else:
        sign = -1 if off[0] == "-" else 1
        digits = off[1:].replace(":", "")
        minutes = int(digits[:2]) * 60 + int(digits[2:])
        tz = timezone(timedelta(minutes=sign * minutes))
    return datetime(int(y), int(mo), int(d), int(hh), int(mm), int(ss or 0), tzinfo=tz)


def _words(value) -> list[str]:
    """Jekyll's reading of ``tags``/``categories``: a string splits on whitespace, a list is kept."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return str(value).split()


@dataclass
class Post:
    """One finews post. ``published`` may be omitted: it is then read from ``date_raw``."""

    info_code: str
    title: str
    date_raw: str
    category: str
    tags: list[str] = field(default_factory=list)
    body: str = ""
    published: datetime | None = None
    folder: str | None = None  # "_posts" / "old_post" for corpus files, None for synthetic posts

    def __post_init__(self):
        if self.published is None:
            self.published = parse_jekyll_date(self.date_raw)
        elif self.published.tzinfo is None:
            raise ValueError("Post.published must be timezone-aware")

    @property
    def local_time(self) -> datetime:
        """Publication time as the site shows it (Asia/Shanghai)."""
        return self.published.astimezone(SITE_TZ)

    @property
    def show_time(self) -> datetime:
        """The true publication time in Asia/Shanghai, as Eastmoney's list APIs give it.

        A front-matter date written without an offset is the Shanghai wall-clock time the original
        system wrote; only Jekyll's reading of it as UTC makes the site show it 8 hours late.
        """
        m = _DATE.match(self.date_raw.strip()) if self.date_raw else None
        if m and m.group(4) is not None and m.group(7) is None:
            y, mo, d, hh, mm, ss = (int(v or 0) for v in m.groups()[:6])
            return datetime(y, mo, d, hh, mm, ss, tzinfo=SITE_TZ)
        return self.local_time

    @property
    def url_path(self) -> str:
        """Jekyll's ``/:categories/:year/:month/:day/:title.html`` (local date), percent-encoded."""
        raw = f"/{self.category}/{self.local_time:%Y/%m/%d}/{self.info_code}.html"
        return jekyll_escape_path(raw)

    @property
    def url(self) -> str:
        """Canonical absolute URL on the live site."""
        return SITE_URL + self.url_path


def parse_post(text: str, info_code: str, folder: str | None = None, file_date: str | None = None) -> Post:
    """Build a Post from the text of a Jekyll post file.

    The front matter goes through yaml (titles are YAML-escaped), but ``date_raw`` is taken from
    the text itself, because yaml turns an offset-less date into a naive datetime and leaves one
    with ``+0800`` a string: only the text says exactly what was written.
    """
    m = _FRONT_MATTER.match(text)
    if not m:
        raise ValueError(f"{info_code}: no front matter")
    meta = yaml.safe_load(m.group(1)) or {}
    date_line = _DATE_LINE.search(m.group(1))
    date_raw = date_line.group(1).strip("'\"") if date_line else file_date
    if not date_raw:
        raise ValueError(f"{info_code}: no date")
    categories = _words(meta.get("categories", meta.get("category")))
    return Post(
        info_code=info_code,
        title=str(meta.get("title", "")),
        date_raw=date_raw,
        category="/".join(categories),
        tags=_words(meta.get("tags")),
        body=text[m.end():],
        folder=folder,
    )


def load_posts(corpus_dir: str | os.PathLike | None = None) -> list[Post]:
    """All posts of ``finews_posts/_posts`` and ``finews_posts/old_post`` (``seed/`` is a duplicate).

    ``corpus_dir`` is the corpus root (the folder holding ``finews_posts/``); the
    ``finews_posts`` folder itself is accepted too.
    """
    root = Path(corpus_dir) if corpus_dir is not None else default_corpus_dir()
    if (root / "finews_posts").is_dir():
        root = root / "finews_posts"
    if not any((root / f).is_dir() for f in POST_FOLDERS):
        raise FileNotFoundError(f"no finews posts under {root} (set FINEWS_CORPUS_DIR)")
    posts = []
    for folder in POST_FOLDERS:
        for path in sorted((root / folder).glob("*")):
            name = _FILE_NAME.match(path.name)
            if not name:
                continue
            text = path.read_text(encoding="utf-8")
            posts.append(parse_post(text, name.group(2), folder=folder, file_date=name.group(1)))
    return posts
