"""The persistent article store: which info codes have a written post, with their fingerprints.

SQLite in ``STATE_DIR`` rather than a pickle or a JSON file: lookups by primary key stay fast at
millions of rows, writes are transactional (a killed run cannot leave a half-written store), and
WAL mode lets a second process read while one writes. A row is committed only *after* its post is
on disk, so the store never claims a post that does not exist; the worst a crash can cause is one
article fetched and rewritten (identically) on the next run.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    info_code   TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    post_path   TEXT,
    url         TEXT,
    spider      TEXT,
    written_at  REAL NOT NULL
) WITHOUT ROWID;
"""


class StateError(RuntimeError):
    """The state store cannot be used; the message names the file and the fix."""


@dataclass(frozen=True)
class StoredArticle:
    info_code: str
    fingerprint: str
    post_path: str | None
    url: str | None


class ArticleStore:
    FILENAME = "articles.sqlite3"

    def __init__(self, state_dir: str | Path):
        self.path = Path(state_dir) / self.FILENAME
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA busy_timeout=10000")
            self._db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise StateError(
                f"cannot open the state store {self.path}: {exc}. Check STATE_DIR is writable; "
                "if the file is corrupt, move it aside (the next run re-crawls and rewrites identical posts)."
            ) from None

    def get(self, info_code: str) -> StoredArticle | None:
        row = self._db.execute(
            "SELECT info_code, fingerprint, post_path, url FROM articles WHERE info_code = ?", (info_code,)
        ).fetchone()
        return StoredArticle(*row) if row else None

    def __contains__(self, info_code: str) -> bool:
        return self._db.execute("SELECT 1 FROM articles WHERE info_code = ?", (info_code,)).fetchone() is not None

    def __len__(self) -> int:
        return self._db.execute("SELECT count(*) FROM articles").fetchone()[0]

    def record(self, info_code: str, fingerprint: str, *, post_path: str | None, url: str | None, spider: str | None):
        """Commit one written article (call after the post file is in place)."""
        self._db.execute(
            "INSERT INTO articles (info_code, fingerprint, post_path, url, spider, written_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(info_code) DO UPDATE SET "
            "fingerprint=excluded.fingerprint, post_path=excluded.post_path, url=excluded.url, "
            "spider=excluded.spider, written_at=excluded.written_at",
            (info_code, fingerprint, post_path, url, spider, time.time()),
        )

    def close(self):
        self._db.close()


def store_for(crawler) -> ArticleStore:
    """The one store shared by the incremental middleware and the pipelines of a crawl.

    Opened on first use and closed when the spider closes, so components need not agree on an
    order of initialisation.
    """
    store = getattr(crawler, "_finews_article_store", None)
    if store is None:
        from scrapy import signals

        store = ArticleStore(crawler.settings.get("STATE_DIR"))
        crawler._finews_article_store = store

        def _close(*args, **kwargs):
            store.close()
            crawler._finews_article_store = None

        crawler.signals.connect(_close, signal=signals.spider_closed, weak=False)
    return store
