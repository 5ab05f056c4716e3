"""Run history: one row per finished crawl, for the monitor's baselines and ``scrapy report``.

A crawl's stats file says how *this* run went; whether that is normal depends on how the same
spider did before (a run that finds 0 articles is fine for an outlet that publishes twice a week,
alarming for one that publishes hourly). So every run appends a row per spider: pages, items,
drops by reason, errors, retries, duration, finish reason and the monitor's verdict.

SQLite (``STATE_DIR/history.sqlite3``, or ``HISTORY_FILE``) rather than JSON Lines: cron runs of
66 spiders every few minutes add ~20,000 rows a day, and both readers want a slice (the last N
runs of one spider, the last N days of all) through an index instead of reading months of lines;
rows older than ``HISTORY_KEEP_DAYS`` are pruned on write. WAL mode lets ``scrapy report`` read
while crawls append; a write waits up to 10 s for another crawl's.
"""

from __future__ import annotations

import json
import logging
import socket
import sqlite3
import time
from datetime import datetime
from pathlib import Path

from scrapy import signals
from scrapy.exceptions import NotConfigured

logger = logging.getLogger(__name__)

FILENAME = "history.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id            INTEGER PRIMARY KEY,
    spider        TEXT NOT NULL,
    started_at    REAL NOT NULL,
    finished_at   REAL NOT NULL,
    duration      REAL NOT NULL,
    finish_reason TEXT,
    pages         INTEGER NOT NULL DEFAULT 0,
    requests      INTEGER NOT NULL DEFAULT 0,
    items         INTEGER NOT NULL DEFAULT 0,
    seen          INTEGER NOT NULL DEFAULT 0,
    written       INTEGER NOT NULL DEFAULT 0,
    dropped       INTEGER NOT NULL DEFAULT 0,
    drops         TEXT NOT NULL DEFAULT '{}',
    errors        INTEGER NOT NULL DEFAULT 0,
    retries       INTEGER NOT NULL DEFAULT 0,
    monitor_failed INTEGER NOT NULL DEFAULT 0,
    monitor       TEXT NOT NULL DEFAULT '{}',
    worker        TEXT
);
CREATE INDEX IF NOT EXISTS runs_by_spider ON runs (spider, finished_at);
CREATE INDEX IF NOT EXISTS runs_by_time ON runs (finished_at);
"""

COLUMNS = ("spider", "started_at", "finished_at", "duration", "finish_reason", "pages", "requests", "items",
           "seen", "written", "dropped", "drops", "errors", "retries", "monitor_failed", "monitor", "worker")


def history_path(settings) -> Path:
    return Path(settings.get("HISTORY_FILE") or Path(settings.get("STATE_DIR") or ".") / FILENAME)


def _timestamp(value) -> float | None:
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, (int, float)):
        return float(value)
    return None


def drops_by_reason(stats: dict) -> dict[str, int]:
    """Dropped items by the project's reasons; what no stage names is ``other``."""
    drops = {}
    for key, value in stats.items():
        if key.startswith("validate/dropped/"):
            drops[key.rsplit("/", 1)[1]] = value
    for key, reason in (("dedupe/duplicate", "duplicate"), ("near_duplicates/dropped", "near_duplicate")):
        if stats.get(key):
            drops[reason] = stats[key]
    other = stats.get("item_dropped_count", 0) - sum(drops.values())
    if other > 0:
        drops["other"] = other
    return drops


def articles_seen(stats: dict) -> int:
    """Articles the listings led to this run, new or already stored.

    The monitor's item count: items written alone swing with the news (0 on a quiet re-run is
    normal), while articles seen only collapse when listings or pages break.
    """
    return (stats.get("item_scraped_count", 0) + stats.get("item_dropped_count", 0)
            + stats.get("incremental/skipped", 0))


def run_record(spider_name: str, stats: dict, reason: str | None = None) -> dict:
    finished = _timestamp(stats.get("finish_time")) or time.time()
    duration = float(stats.get("elapsed_time_seconds") or 0.0)
    started = _timestamp(stats.get("start_time")) or finished - duration
    monitor = {key[len("monitor/failed/"):]: value for key, value in stats.items() if key.startswith("monitor/failed/")}
    return {
        "spider": spider_name,
        "started_at": started,
        "finished_at": finished,
        "duration": duration or max(0.0, finished - started),
        "finish_reason": reason or stats.get("finish_reason"),
        "pages": stats.get("response_received_count", 0),
        "requests": stats.get("downloader/request_count", 0),
        "items": stats.get("item_scraped_count", 0),
        "seen": articles_seen(stats),
        "written": stats.get("posts/written", 0),
        "dropped": stats.get("item_dropped_count", 0),
        "drops": drops_by_reason(stats),
        "errors": stats.get("log_count/ERROR", 0),
        "retries": stats.get("retry/count", 0),
        "monitor_failed": stats.get("monitor/failed", 0),
        "monitor": monitor,
        "worker": stats.get("distributed/worker") or socket.gethostname(),
    }


class RunHistory:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, isolation_level=None, timeout=10)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)

    def append(self, run: dict, keep_days: float | None = None) -> None:
        values = [json.dumps(run[c], ensure_ascii=False) if c in ("drops", "monitor") else run.get(c) for c in COLUMNS]
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute(
                f"INSERT INTO runs ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})", values
            )
            if keep_days:
                self._db.execute("DELETE FROM runs WHERE finished_at < ?", (time.time() - keep_days * 86400,))

    def recent(self, spider: str, limit: int = 10, finish_reasons=("finished",)) -> list[dict]:
        """The last ``limit`` runs of ``spider`` that ended normally, newest first."""
        marks = ", ".join("?" * len(finish_reasons))
        rows = self._db.execute(
            f"SELECT * FROM runs WHERE spider = ? AND finish_reason IN ({marks}) ORDER BY finished_at DESC LIMIT ?",
            (spider, *finish_reasons, limit),
        )
        return [self._row(r) for r in rows]

    def runs(self, since: float | None = None) -> list[dict]:
        rows = self._db.execute(
            "SELECT * FROM runs WHERE finished_at >= ? ORDER BY finished_at", (since or 0,)
        )
        return [self._row(r) for r in rows]

    @staticmethod
    def _row(row) -> dict:
        run = dict(row)
        run["drops"] = json.loads(run["drops"] or "{}")
        run["monitor"] = json.loads(run["monitor"] or "{}")
        return run

    def close(self) -> None:
        self._db.close()


class HistoryExtension:
    """Appends the run on ``spider_closed``, after the monitor (its verdict goes in the row)."""

    def __init__(self, crawler, path: Path, keep_days: float):
        self.crawler = crawler
        self.path = path
        self.keep_days = keep_days

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("HISTORY_ENABLED", True):
            raise NotConfigured
        ext = cls(crawler, history_path(crawler.settings), crawler.settings.getfloat("HISTORY_KEEP_DAYS", 90))
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_closed(self, spider, reason):
        stats = dict(self.crawler.stats.get_stats())
        try:
            history = RunHistory(self.path)
            try:
                history.append(run_record(spider.name, stats, reason), keep_days=self.keep_days)
            finally:
                history.close()
        except (OSError, sqlite3.Error) as exc:
            # Losing one history row must not turn a good crawl into a failed one.
            logger.error("run history: cannot append to %s: %s", self.path, exc)
            self.crawler.stats.set_value("history/failed", 1)
            return
        self.crawler.stats.set_value("history/recorded", 1)
