"""Site upkeep: the two chores the original finews system ran beside the crawler.

* Archive: posts older than N days move from ``_posts/`` to ``old_post/``, which keeps Jekyll's
  ``_posts`` (and so the home page and build time) small while every article stays on the site.
* Category pages: ``category/<slug>.html`` must exist for every category that has posts, or the
  "返回<tag>" link at the bottom of each post is a 404.

Both are plain functions on a site folder so the command, the spider-close extension and the tests
share one implementation. Neither may ever lose a post: a move is a hard link followed by an unlink
(or a rename onto a name known to be free), an existing archived copy is never overwritten, and a
post the code cannot read is left exactly where it is. Both are idempotent, so cron can run them as
often as it likes and a killed run is finished by the next one.
"""

from __future__ import annotations

import datetime as dt
import errno
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from crawler.dates import SHANGHAI
from crawler.files import atomic_write, fsync_dir

logger = logging.getLogger(__name__)

POSTS_DIR = "_posts"
ARCHIVE_DIR = "old_post"
CATEGORY_DIR = "category"

#: Jekyll only publishes ``YYYY-MM-DD-<name>.md``; the date in the name is the post's date.
_POST_NAME = re.compile(r"(\d{4})-(\d{2})-(\d{2})-.+\.md")
#: The characters the live site uses in category slugs (e.g. ``zhongguozhengquanbao·zhongzhengwang``);
#: no leading dot, so no hidden files and no ``..``.
SAFE_SLUG = re.compile(r"(?!\.)[\w·()（）.\-]{1,100}")
#: Characters YAML treats as line breaks; a plain scalar containing one would not stay on its line.
_LINE_BREAKS = frozenset("\n\r\x85\u2028\u2029")


@dataclass
class ArchiveResult:
    moved: int = 0
    already_archived: int = 0  # an identical copy was already in old_post/: the _posts copy was removed
    conflicts: int = 0  # a different copy is in old_post/: both kept
    skipped: int = 0  # unreadable posts or unusable file names, left where they are

    def summary(self) -> str:
        return (
            f"{self.moved} moved, {self.already_archived} already archived, "
            f"{self.conflicts} conflicts, {self.skipped} skipped"
        )


@dataclass
class CategoryResult:
    pages_written: int = 0
    pages_unchanged: int = 0
    skipped: int = 0  # unreadable posts and unsafe slugs

    def summary(self) -> str:
        return f"{self.pages_written} written, {self.pages_unchanged} unchanged, {self.skipped} skipped"


# --- reading posts ------------------------------------------------------------------------------


def read_front_matter(path: Path) -> dict | None:
    """The post's front matter, or ``None`` (logged) when it cannot be trusted.

    ``None`` is the signal to leave the post alone: a chore never acts on a file it cannot read.
    """
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        logger.warning("upkeep: skipping unreadable post %s: %s", path, exc)
        return None
    lines = text.split("\n")
    if not lines or lines[0].rstrip("\r") != "---":
        logger.warning("upkeep: skipping %s: no front matter", path)
        return None
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].rstrip("\r") == "---")
    except StopIteration:
        logger.warning("upkeep: skipping %s: front matter is not closed", path)
        return None
    try:
        data = yaml.safe_load("\n".join(lines[1:end]))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""  # +1 for "---", +1 for 1-based
        problem = getattr(exc, "problem", None) or type(exc).__name__
        logger.warning("upkeep: skipping %s: front matter does not parse: %s%s", path, problem, where)
        return None
    if not isinstance(data, dict):
        logger.warning("upkeep: skipping %s: front matter is not a mapping", path)
        return None
    return data


def _post_date(name: str) -> dt.date | None:
    m = _POST_NAME.fullmatch(name)
    if not m:
        return None
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def _post_files(folder: Path):
    """``(path, date)`` for each post file in ``folder``, name order; the rest is not ours.

    Dot files are temp files of a writer in progress (``atomic_write``); non-``.md`` files are
    assets. A ``.md`` file without a date in its name is logged: Jekyll would not publish it either.
    """
    if not folder.is_dir():
        return
    for path in sorted(folder.iterdir()):
        name = path.name
        if name.startswith(".") or not name.endswith(".md"):
            continue
        if path.is_symlink() or not path.is_file():
            logger.warning("upkeep: skipping %s: not a regular file", path)
            yield path, None
            continue
        date = _post_date(name)
        if date is None:
            logger.warning("upkeep: skipping %s: file name has no valid YYYY-MM-DD- date", path)
        yield path, date


# --- archive ------------------------------------------------------------------------------------


def _today(now) -> dt.date:
    """The current day in Asia/Shanghai: post dates are Shanghai dates, so ages must be too."""
    if now is None:
        return dt.datetime.now(SHANGHAI).date()
    if isinstance(now, dt.datetime):
        aware = now if now.tzinfo is not None else now.replace(tzinfo=SHANGHAI)
        return aware.astimezone(SHANGHAI).date()
    if isinstance(now, dt.date):
        return now
    raise TypeError(f"now must be a date or datetime, not {type(now).__name__}")


def archive_cutoff(days: int, *, now=None) -> dt.date:
    """Posts dated before this day are archived (``now`` 2022-05-20, 30 days → 2022-04-20)."""
    return _today(now) - dt.timedelta(days=days)



def _same_bytes(a: Path, b: Path) -> bool:
    try:
        if os.path.samefile(a, b):
            return True
        if a.stat().st_size != b.stat().st_size:
            return False
        return a.read_bytes() == b.read_bytes()
    except OSError:
        return False


# errno values meaning "this filesystem cannot hard-link", where a guarded rename is the fallback.
_NO_LINK = {errno.EPERM, errno.EACCES, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK, errno.ENOSYS}


def _move_post(src: Path, dst: Path) -> str:
    """Move ``src`` to ``dst`` without ever replacing ``dst``: ``moved``, ``already`` or ``conflict``.

    The hard link fails atomically if ``dst`` exists, so a writer racing us cannot be overwritten;
    a run killed between link and unlink leaves two names for one file, which the next run sees as
    ``already`` and finishes.
    """
    try:
        os.link(src, dst, follow_symlinks=False)
    except FileExistsError:
        return _resolve_existing(src, dst)
    except OSError as exc:
        if exc.errno not in _NO_LINK:
            raise
        if os.path.lexists(dst):
            return _resolve_existing(src, dst)
        os.replace(src, dst)
    else:
        os.unlink(src)
    fsync_dir(dst.parent)
    fsync_dir(src.parent)
    return "moved"


def _resolve_existing(src: Path, dst: Path) -> str:
    if _same_bytes(src, dst):
        os.unlink(src)
        fsync_dir(src.parent)
        return "already"
    logger.warning(
        "upkeep: not archiving %s: %s exists with different content; both kept, resolve by hand", src, dst
    )
    return "conflict"


def archive_old_posts(site_dir, days: int, *, now=None) -> ArchiveResult:
    """Move posts dated before ``now - days`` (Shanghai days) from ``_posts/`` to ``old_post/``.

    ``days`` of 0 or less disables archiving. ``now`` (date or datetime; naive means Shanghai time)
    exists for tests and backfills; it defaults to the current time.
    """
    result = ArchiveResult()
    if days is None or days <= 0:
        return result
    site = Path(site_dir)
    posts, archive = site / POSTS_DIR, site / ARCHIVE_DIR
    cutoff = archive_cutoff(days, now=now)
    for path, date in _post_files(posts):
        if date is None:
            result.skipped += 1
            continue
        if date >= cutoff:
            continue
        if read_front_matter(path) is None:
            result.skipped += 1
            continue
        archive.mkdir(parents=True, exist_ok=True)
        outcome = _move_post(path, archive / path.name)
        if outcome == "moved":
            result.moved += 1
        elif outcome == "already":
            result.already_archived += 1
        else:
            result.conflicts += 1
    if result.moved or result.already_archived or result.conflicts:
        logger.debug("upkeep: archive (before %s): %s", cutoff, result.summary())
    return result


# --- category pages -----------------------------------------------------------------------------


def yaml_value(value: str) -> str:
    """``value`` as written in front matter: plain when YAML reads it back unchanged, else quoted.

    Plain is what the live site has (``title: 科技日报新闻``); a value YAML would turn into something
    else (``yes``, ``123``, ``a: b``, ``x #y``, leading spaces) is double-quoted so it cannot.
    """
    if value and value == value.strip() and not (_LINE_BREAKS & set(value)):
        try:
            if yaml.safe_load(f"k: {value}\n") == {"k": value}:
                return value
        except yaml.YAMLError:
            pass
    return yaml.dump(value, default_style='"', allow_unicode=True, width=float("inf")).rstrip("\n")


def render_category_page(slug: str, title: str) -> str:
    return f"---\nlayout: category\ntitle: {yaml_value(title)}\ncategory: {yaml_value(slug)}\n---\n"


def _as_strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _sort_time(front_matter: dict) -> float:
    """The front-matter time, to order same-day posts; unknown sorts oldest."""
    value = front_matter.get("date")
    if isinstance(value, dt.datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=SHANGHAI)
        return aware.timestamp()
    if isinstance(value, str):
        m = re.fullmatch(
            r"\s*(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\s*([+-]\d{2}:?\d{2}|Z))?\s*", value
        )
        if m:
            try:
                naive = dt.datetime.fromisoformat(f"{m[1]}T{m[2]}")
            except ValueError:
                return float("-inf")
            if m[3]:
                offset = m[3].replace(":", "").replace("Z", "+0000")
                sign = -1 if offset[0] == "-" else 1
                tz = dt.timezone(sign * dt.timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5])))
                return naive.replace(tzinfo=tz).timestamp()
            return naive.replace(tzinfo=SHANGHAI).timestamp()
    return float("-inf")


def _category_path(site: Path, slug: str) -> Path | None:
    if not SAFE_SLUG.fullmatch(slug):
        return None
    path = site / CATEGORY_DIR / f"{slug}.html"
    # A symlink planted at the page (or at category/ itself) must not redirect the write elsewhere.
    if path.resolve().parent != site.resolve() / CATEGORY_DIR:
        return None
    if path.exists() and not path.is_file():
        return None
    return path



def category_titles(site_dir) -> tuple[dict[str, str], int]:
    """``{slug: title}`` for every category with posts, and how many posts could not be read.

    The title is the tag of the newest post (file-name date, then front-matter time, then name)
    that has one, so a renamed outlet label follows its latest posts; with no tag at all, the slug.
    """
    site = Path(site_dir)
    newest: dict[str, tuple] = {}
    fallback: set[str] = set()
    unreadable = 0
    for folder in (POSTS_DIR, ARCHIVE_DIR):
        for path, date in _post_files(site / folder):
            if date is None:
                unreadable += 1
                continue
            front_matter = read_front_matter(path)
            if front_matter is None:
                unreadable += 1
                continue
            tags = _as_strings(front_matter.get("tags"))
            key = (date, _sort_time(front_matter), path.name)
            for slug in _as_strings(front_matter.get("categories")):
                fallback.add(slug)
                if tags and (slug not in newest or key > newest[slug][0]):
                    newest[slug] = (key, tags[0])
    return {slug: newest[slug][1] if slug in newest else slug for slug in sorted(fallback)}, unreadable


def write_category_pages(site_dir) -> CategoryResult:
    """Make ``category/<slug>.html`` right for every category with posts in ``_posts/`` or ``old_post/``.

    A page is rewritten only when its bytes would change, so an untouched page keeps its mtime and
    Jekyll/rsync see nothing new. Pages of categories without posts are left alone (never deleted).
    """
    site = Path(site_dir)
    category_dir = site / CATEGORY_DIR
    titles, unreadable = category_titles(site)
    result = CategoryResult(skipped=unreadable)
    for slug, title in titles.items():
        if SAFE_SLUG.fullmatch(slug):
            category_dir.mkdir(parents=True, exist_ok=True)
        path = _category_path(site, slug)
        if path is None:
            logger.warning("upkeep: no category page for unsafe slug %r (or its path leaves %s)", slug, category_dir)
            result.skipped += 1
            continue
        data = render_category_page(slug, title).encode("utf-8")
        try:
            unchanged = path.read_bytes() == data
        except FileNotFoundError:
            unchanged = False
        if unchanged:
            result.pages_unchanged += 1
            continue
        atomic_write(path, data)
        result.pages_written += 1
    if result.pages_written:
        logger.debug("upkeep: category pages: %s", result.summary())
    return result
