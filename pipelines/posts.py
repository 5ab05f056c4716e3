"""Write one Jekyll post per article into ``SITE_DIR/_posts`` and commit it to the state store.

The file is written to a temporary name in the same directory, flushed to disk and renamed over
the target, so a reader (Jekyll, rsync, a killed run) sees either the old post or the new one,
never half of one. The state row is committed after the rename: the store never claims a post that
is not on disk. A post whose bytes would not change is not rewritten (``posts/unchanged``).

A run killed between writing and renaming leaves a dot-file temp behind, which Jekyll ignores;
the next run removes the ones whose writer is gone. Failures are reported, not raised: an
unusable ``SITE_DIR`` or state store closes the spider while it opens (before any request), and a
post that cannot be written or committed is dropped with its reason, to be fetched again next run.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import sqlite3
import tempfile
import time
import zlib
from pathlib import Path

from scrapy.exceptions import CloseSpider, DropItem
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.threads import deferToThread

from crawler.files import HOST as _HOST
from crawler.files import atomic_write, fsync_dir
from crawler.loaders import INFO_CODE
from pipelines.post_format import post_filename, render_post
from pipelines.state import StateError, store_for

logger = logging.getLogger(__name__)


class UnsafePathError(ValueError):
    pass


#: ``.<post name>.<pid>@<host>.<random>.tmp`` (``.<post name>.<random>.tmp`` from older writers).
_TEMP_NAME = re.compile(r"^\..+\.md\.(?:(?P<pid>\d+)@(?P<host>[0-9a-f]{8})\.)?[^.]+\.tmp$")
#: A temp file whose writer cannot be checked (another machine, an older writer) is only taken
#: for abandoned after this long; writing one takes milliseconds.
STALE_TEMP_SECONDS = 3600


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, another user's
        return True
    return True


def remove_stale_temp_files(site_dir: Path) -> int:
    """Delete temp files a killed writer left behind; return how many.

    Several spiders, and several machines, may write into one site at once (only runs of the
    *same* spider on one machine exclude each other), so a temp file is removed only when the
    process named in it is gone from this machine, or, when that cannot be checked, after an
    hour: a live writer's file is never pulled from under its rename. Jekyll ignores dot-files,
    so a leftover is never published; this only keeps the folders clean.
    """
    removed = 0
    now = time.time()
    for folder in (site_dir / "_posts", site_dir / "old_post"):
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            m = _TEMP_NAME.match(entry.name)
            if not m or not entry.is_file(follow_symlinks=False):
                continue
            try:
                if m["pid"] and m["host"] == _HOST:
                    stale = not _alive(int(m["pid"]))
                else:
                    stale = now - entry.stat().st_mtime > STALE_TEMP_SECONDS
                if stale:
                    os.unlink(entry.path)
                    removed += 1
            except FileNotFoundError:  # renamed or removed meanwhile
                pass
            except OSError as exc:
                logger.warning("cannot remove stale temp file %s: %s", entry.path, exc)
    return removed


def check_site_dir(site_dir) -> str | None:
    """Why posts cannot be written into ``site_dir``, or None; one line with the fix.

    A real write probe rather than a permission-bit check: ACLs, read-only mounts, a file where
    the folder should be and a full disk all show up the same way, as an OSError.
    """
    site_dir = Path(site_dir)
    folders = [site_dir / "_posts"] + ([site_dir / "old_post"] if (site_dir / "old_post").is_dir() else [])
    for folder in folders:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, probe = tempfile.mkstemp(prefix=".write-check.", suffix=".tmp", dir=folder)
            os.close(fd)
            os.unlink(probe)
        except OSError as exc:
            why = exc.strerror or str(exc)
            return (
                f"SITE_DIR {site_dir} is not writable ({why}: {exc.filename or folder}); "
                "make it a writable directory or point -s SITE_DIR at one"
            )
    return None


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` atomically unless the file already holds exactly that; say
    whether it wrote. Safe to call from a worker thread: it touches nothing but ``path``."""
    if path.exists() and path.read_bytes() == data:
        return False
    atomic_write(path, data)
    return True


class PostWriterPipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.site_dir = Path(crawler.settings.get("SITE_DIR")).resolve()
        self.site_host = crawler.settings.get("POSTS_SITE_HOST", "finews.withounder.com")

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self, spider=None):
        # Runners that bypass `scrapy crawl` (Scrapyd) get no pre-flight check: fail here, with
        # one line and a finish reason, before a single request is sent (CloseSpider while the
        # spider opens), instead of a traceback per item.
        problem = check_site_dir(self.site_dir)
        if problem:
            logger.error("%s", problem)
            raise CloseSpider("site_dir_unwritable")
        try:
            store_for(self.crawler)
        except StateError as exc:
            logger.error("%s", exc)
            raise CloseSpider("state_unusable") from None
        removed = remove_stale_temp_files(self.site_dir)
        if removed:
            self.stats.set_value("posts/stale_temp_removed", removed)
            logger.info("removed %d temp file(s) left by a killed run in %s", removed, self.site_dir)

    def target_path(self, item) -> Path:
        if not INFO_CODE.match(item["info_code"]):
            raise UnsafePathError(f"refusing info code {item['info_code']!r} as a file name")
        name = post_filename(item)
        archived = self.site_dir / "old_post" / name
        path = archived if archived.exists() else self.site_dir / "_posts" / name
        if path.resolve().parent not in (self.site_dir / "_posts", self.site_dir / "old_post"):
            raise UnsafePathError(f"post path {path} escapes SITE_DIR")
        return path

    def _place(self, item, data: bytes) -> tuple[Path, bool]:
        path = self.target_path(item)
        return path, write_if_changed(path, data)

    async def process_item(self, item, spider=None):
        data = render_post(item, site_host=self.site_host).encode("utf-8")
        try:
            # In a worker thread: the path checks stat the disk and the two fsyncs wait on it for
            # milliseconds; on the reactor thread every other download and parse would wait with
            # them (a tenth of a crawl's time in benchmarks/perf.py's profile). The state row is
            # committed back on the reactor thread, after the file is in place, as before.
            path, written = await maybe_deferred_to_future(deferToThread(self._place, item, data))
        except OSError as exc:
            path = self.site_dir / "_posts" / post_filename(item)  # where it was going, for the message
            # Full disk, permissions changed mid-run: nothing was committed, so the next run
            # fetches the article again. Counted for the health check (crawler.extensions.health).
            self.stats.inc_value("posts/write_failed")
            logger.error("cannot write %s: %s", path, exc)
            raise DropItem(f"write_failed: {path.name}: {exc.strerror or exc}") from None
        self.stats.inc_value("posts/written" if written else "posts/unchanged")
        try:
            store_for(self.crawler).record(
                item["info_code"],
                item["fingerprint"],
                post_path=str(path.relative_to(self.site_dir)),
                url=item.get("url"),
                spider=self.crawler.spider.name if self.crawler.spider else None,
                simhash=item.get("simhash"),
            )
        except (sqlite3.Error, StateError) as exc:
            # The post is on disk but not claimed: the next run rewrites it identically and
            # commits then, so nothing is lost; the item stays out of this run's feed.
            self.stats.inc_value("posts/state_failed")
            logger.error("post %s written but not recorded in the state store: %s", path.name, exc)
            raise DropItem(f"state_failed: {item['info_code']}: {exc}") from None
        return item
