"""One crawl per spider at a time: a per-spider lock file in ``STATE_DIR/locks/<spider>.lock``.

Cron starts a spider every few minutes; a slow run must not overlap the next one, or both fetch
and write the same articles. ``fcntl.flock`` rather than a pid file: the kernel releases the lock
when the holding process dies, even by SIGKILL or a power cut, so a crashed run can never leave a
stale lock that blocks every later run. The holder writes its pid into the file only so the
refusal message can name it; the pid is never used to decide anything.

``scrapy crawl`` takes the lock before the engine starts (exit code 3 with one line when it is
held). The :class:`CrawlLock` extension takes it too, for runners that bypass the command
(Scrapyd, ``crawlall``); inside one process the lock is re-entrant, so the command and the
extension share it instead of blocking each other (two ``flock`` opens of one file conflict even
in one process).

``LOCK_WAIT_SECONDS`` (default 0) lets a run wait for the other one to finish instead of exiting.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import time
from pathlib import Path

from scrapy import signals
from scrapy.exceptions import CloseSpider

logger = logging.getLogger(__name__)

#: Finish reason of a crawl that could not take its lock (see ``crawler.extensions.health``).
REASON = "lock_held"
POLL_SECONDS = 0.2

#: lock file (resolved) → the open lock of this process: re-entrancy within one process.
_held: dict[Path, "SpiderLock"] = {}


class LockHeld(RuntimeError):
    """Another process holds the lock; the message says which and what to do."""

    def __init__(self, spider: str, path: Path, pid: int | None, waited: float):
        self.spider, self.path, self.pid, self.waited = spider, path, pid, waited
        holder = f"held by pid {pid}" if pid else "held by another process"
        waited_text = f" after waiting {waited:g}s" if waited else ""
        super().__init__(
            f"another {spider} crawl is running (lock {path} {holder}){waited_text}; "
            "try again later or set LOCK_WAIT_SECONDS"
        )


class SpiderLock:
    def __init__(self, path: Path, fd: int):
        self.path, self.fd = path, fd

    def release(self) -> None:
        _held.pop(self.path, None)
        os.close(self.fd)  # closing the only descriptor releases the flock


def lock_path(state_dir, spider: str) -> Path:
    # Spider names are registry slugs (letters, ·, brackets); anything that could leave the
    # locks folder is replaced, so a strange name still gets a lock of its own.
    safe = re.sub(r"[/\\\x00]|^\.", "_", spider)
    return Path(state_dir) / "locks" / f"{safe}.lock"


def _holder_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def acquire(state_dir, spider: str, wait_seconds: float = 0) -> SpiderLock:
    """Take the spider's lock, waiting up to ``wait_seconds``; raise :class:`LockHeld` if busy.

    Polls with a non-blocking ``flock`` instead of blocking in the kernel, so the wait is bounded
    and the pid of the holder can be read for the message.
    """
    path = lock_path(state_dir, spider)
    path.parent.mkdir(parents=True, exist_ok=True)
    path = path.resolve()
    if path in _held:
        return _held[path]
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    started = time.monotonic()
    announced = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            waited = time.monotonic() - started
            if waited >= wait_seconds:
                pid = _holder_pid(fd)
                os.close(fd)
                raise LockHeld(spider, path, pid, round(wait_seconds, 1)) from None
            if not announced:
                logger.info(
                    "another %s crawl holds %s (pid %s); waiting up to %gs (LOCK_WAIT_SECONDS)",
                    spider, path, _holder_pid(fd), wait_seconds,
                )
                announced = True
            time.sleep(min(POLL_SECONDS, max(wait_seconds - waited, 0.01)))
        except BaseException:
            os.close(fd)
            raise
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
    lock = _held[path] = SpiderLock(path, fd)
    return lock


class CrawlLock:
    """Hold the spider's lock for the whole crawl; close the spider as ``lock_held`` if busy.

    The lock is taken when the extension is built, before the engine and the pipelines exist, so
    nothing of this run touches the site or the state store before it holds the lock. A busy
    lock closes the spider while it opens (``CloseSpider`` from ``spider_opened``), before the
    engine has sent a single request.
    """

    def __init__(self, crawler, error: LockHeld | None):
        self.crawler = crawler
        self.error = error

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        name = crawler.spider.name if crawler.spider is not None else crawler.spidercls.name
        error = None
        try:
            wait = settings.getfloat("LOCK_WAIT_SECONDS", 0)
        except ValueError:
            logger.error("LOCK_WAIT_SECONDS = %r is not a number; not waiting", settings.get("LOCK_WAIT_SECONDS"))
            wait = 0
        try:
            acquire(settings.get("STATE_DIR"), name, wait)
        except LockHeld as exc:
            error = exc
            logger.error("%s", exc)
        except OSError as exc:
            # An unusable STATE_DIR is reported by the state store with its fix; the lock is
            # not the place to fail twice for it.
            logger.warning("cannot create the crawl lock in %s: %s", settings.get("STATE_DIR"), exc)
        ext = cls(crawler, error)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        return ext

    def spider_opened(self, spider):
        if self.error is not None:
            self.crawler.stats.set_value("lock/held_by_pid", self.error.pid)
            raise CloseSpider(REASON)
