"""The persistent article store: which info codes have a written post, with their fingerprints.

SQLite in ``STATE_DIR`` rather than a pickle or a JSON file: lookups by primary key stay fast at
millions of rows, writes are transactional (a killed run cannot leave a half-written store), and
WAL mode lets a second process read while one writes. A row is committed only *after* its post is
on disk, so the store never claims a post that does not exist; the worst a crash can cause is one
article fetched and rewritten (identically) on the next run.

The same store keeps each article's 64-bit SimHash (``pipelines.near_duplicates``) so a syndicated
copy published under another info code can be recognised across runs. Finding every stored
fingerprint within ``d`` bits of a new one must not scan the table: by the pigeonhole principle,
two 64-bit values that differ in at most ``d`` bits agree exactly on at least one of ``d + 1``
disjoint bit bands, so each fingerprint is also stored as ``d + 1`` (band, value) rows under an
index, a lookup reads only the rows sharing a band value, and the exact Hamming distance is then
checked on those few candidates. The ``simhash`` column is the source of truth; the band rows are a
derived index, rebuilt when the band layout changes with ``NEAR_DUPLICATE_MAX_DISTANCE``.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    info_code   TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    post_path   TEXT,
    url         TEXT,
    spider      TEXT,
    written_at  REAL NOT NULL,
    simhash     INTEGER
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS simhash_bands (
    band      INTEGER NOT NULL,
    value     INTEGER NOT NULL,
    info_code TEXT NOT NULL,
    simhash   INTEGER NOT NULL,
    PRIMARY KEY (band, value, info_code)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS simhash_bands_by_code ON simhash_bands (info_code);

CREATE TABLE IF NOT EXISTS store_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
"""

logger = logging.getLogger(__name__)

SIMHASH_BITS = 64
#: Band layout of a new store: pigeonhole for the default ``NEAR_DUPLICATE_MAX_DISTANCE`` of 4 bits,
#: so a store used with the default settings is never re-indexed.
DEFAULT_SIMHASH_BANDS = 5
_META_BANDS = "simhash_bands"
#: The store's memory map (``STATE_MMAP_MB``), off by default. Through a map, a lookup costs no
#: read() per B-tree page, but the pages a crawl touches count towards its RSS, about 1 KB per
#: article written: a 100k-article crawl peaked at 225 MB with a 2 GB map and at 135 MB without,
#: while lookups at 10M stored articles stay at 78k-106k/s without it (``benchmarks/perf.py``,
#: page cache warm). A machine that keeps a store of millions hot may still want the map.
MMAP_SIZE = 0


def _to_sql(value: int) -> int:
    """SQLite integers are signed 64-bit: store the unsigned fingerprint in two's complement."""
    return value - (1 << SIMHASH_BITS) if value >= 1 << (SIMHASH_BITS - 1) else value


def _from_sql(value: int) -> int:
    return value & ((1 << SIMHASH_BITS) - 1)


@lru_cache(maxsize=None)
def band_layout(count: int) -> tuple[tuple[int, int], ...]:
    """(shift, mask) of ``count`` disjoint bands covering all 64 bits, widths differing by at most 1.

    Equal widths keep the number of chance collisions per band about the same, so no band is a
    hot spot at a million rows.
    """
    if not 1 <= count <= SIMHASH_BITS:
        raise ValueError(f"band count must be 1..{SIMHASH_BITS}, got {count}")
    base, extra = divmod(SIMHASH_BITS, count)
    layout, shift = [], 0
    for i in range(count):
        width = base + (1 if i < extra else 0)
        layout.append((shift, (1 << width) - 1))
        shift += width
    return tuple(layout)


def simhash_bands(simhash: int, count: int) -> list[tuple[int, int]]:
    """(band number, band value) rows of one fingerprint."""
    return [(i, (simhash >> shift) & mask) for i, (shift, mask) in enumerate(band_layout(count))]


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

    def __init__(self, state_dir: str | Path, *, mmap_bytes: int = MMAP_SIZE):
        self.path = Path(state_dir) / self.FILENAME
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA busy_timeout=10000")
            self._db.execute(f"PRAGMA mmap_size={max(0, int(mmap_bytes))}")
            self._migrate()
            self._db.executescript(_SCHEMA)
            if self._db.execute("SELECT 1 FROM store_meta WHERE key = ?", (_META_BANDS,)).fetchone() is None:
                # only a new (or just migrated) store writes here: opening an existing one takes no write lock
                self._db.execute(
                    "INSERT OR IGNORE INTO store_meta (key, value) VALUES (?, ?)",
                    (_META_BANDS, str(DEFAULT_SIMHASH_BANDS)),
                )
        except (OSError, sqlite3.Error) as exc:
            db = getattr(self, "_db", None)
            if db is not None:
                db.close()
            # Two different fixes, so two messages: a corrupt file is moved aside (with its WAL,
            # which belongs to it), an unreachable one needs a writable folder.
            if isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError):
                raise StateError(
                    f"the state store {self.path} is corrupt ({exc}); move it aside with its -wal and -shm "
                    f"files (e.g. mv {self.path} {self.path}.corrupt) and run again: the next run fetches "
                    "every listed article once more and leaves identical posts untouched"
                ) from None
            raise StateError(
                f"cannot open the state store {self.path} ({exc}); make STATE_DIR writable "
                "or point -s STATE_DIR at a writable directory"
            ) from None

    def _migrate(self):
        """Bring a store written by an older version up to the current schema, in place.

        Stores created before near-duplicate detection have no ``simhash`` column; adding a
        nullable column is instant in SQLite (no table rewrite), and the old rows simply stay out
        of the near-duplicate index until they are rewritten.
        """
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(articles)")}
        if columns and "simhash" not in columns:
            self._db.execute("ALTER TABLE articles ADD COLUMN simhash INTEGER")

    def _band_count(self) -> int:
        """The layout the stored band rows use; read each time, another process may have changed it."""
        return int(self._db.execute("SELECT value FROM store_meta WHERE key = ?", (_META_BANDS,)).fetchone()[0])

    def get(self, info_code: str) -> StoredArticle | None:
        row = self._db.execute(
            "SELECT info_code, fingerprint, post_path, url FROM articles WHERE info_code = ?", (info_code,)
        ).fetchone()
        return StoredArticle(*row) if row else None

    def __contains__(self, info_code: str) -> bool:
        return self._db.execute("SELECT 1 FROM articles WHERE info_code = ?", (info_code,)).fetchone() is not None

    def __len__(self) -> int:
        return self._db.execute("SELECT count(*) FROM articles").fetchone()[0]

    def record(
        self,
        info_code: str,
        fingerprint: str,
        *,
        post_path: str | None,
        url: str | None,
        spider: str | None,
        simhash: int | None = None,
    ):
        """Commit one written article (call after the post file is in place).

        The row and its band rows go in one transaction, so a lookup never sees a fingerprint
        without its bands (missed copy) or bands of a text that was replaced (stale match). A
        rewrite without a SimHash clears the old one: it described a text that is gone.
        """
        with self._transaction():
            self._db.execute(
                "INSERT INTO articles (info_code, fingerprint, post_path, url, spider, written_at, simhash) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(info_code) DO UPDATE SET "
                "fingerprint=excluded.fingerprint, post_path=excluded.post_path, url=excluded.url, "
                "spider=excluded.spider, written_at=excluded.written_at, simhash=excluded.simhash",
                (info_code, fingerprint, post_path, url, spider, time.time(),
                 None if simhash is None else _to_sql(simhash)),
            )
            self._db.execute("DELETE FROM simhash_bands WHERE info_code = ?", (info_code,))
            if simhash is not None:
                self._db.executemany(
                    "INSERT INTO simhash_bands (band, value, info_code, simhash) VALUES (?, ?, ?, ?)",
                    [
                        (band, value, info_code, _to_sql(simhash))
                        for band, value in simhash_bands(simhash, self._band_count())
                    ],
                )

    def simhash(self, info_code: str) -> int | None:
        row = self._db.execute("SELECT simhash FROM articles WHERE info_code = ?", (info_code,)).fetchone()
        return _from_sql(row[0]) if row and row[0] is not None else None

    def near(self, simhash: int, max_distance: int, exclude: str | None = None) -> str | None:
        """Info code of the earliest-written article whose SimHash is within ``max_distance`` bits.

        The earliest rather than the closest: when several outlets carry one text, every copy
        then points at the same first-seen article instead of at each other.
        """
        count = self.use_simhash_bands(max_distance + 1)
        matches = {}
        for band, value in simhash_bands(simhash, count):
            # The band row carries the fingerprint, so candidates are checked from the index alone;
            # only the few real matches cost a primary-key read of the article row.
            for code, stored in self._db.execute(
                "SELECT info_code, simhash FROM simhash_bands WHERE band = ? AND value = ?", (band, value)
            ):
                distance = (_from_sql(stored) ^ simhash).bit_count()
                if distance <= max_distance and code != exclude:
                    matches[code] = distance
        best = None
        for code, distance in matches.items():
            row = self._db.execute("SELECT written_at FROM articles WHERE info_code = ?", (code,)).fetchone()
            if row is not None and (best is None or (row[0], distance, code) < best):
                best = (row[0], distance, code)
        return best[2] if best else None

    def use_simhash_bands(self, count: int) -> int:
        """Re-index every stored SimHash into ``count`` bands, unless that is already the layout.

        Pigeonhole needs exactly ``max_distance + 1`` bands for the cheapest exact lookup: fewer
        would miss matches, more would make each band narrower and the candidate lists longer.
        A changed ``NEAR_DUPLICATE_MAX_DISTANCE`` therefore costs one re-index (about a minute at
        a million rows), done once, inside one transaction.
        """
        if count == self._band_count():
            return count
        band_layout(count)  # validate before touching anything
        with self._transaction():
            if self._band_count() == count:  # another process re-indexed while this one waited
                return count
            self._db.execute("DELETE FROM simhash_bands")
            rows = self._db.execute("SELECT info_code, simhash FROM articles WHERE simhash IS NOT NULL").fetchall()
            self._db.executemany(
                "INSERT INTO simhash_bands (band, value, info_code, simhash) VALUES (?, ?, ?, ?)",
                (
                    (band, value, code, stored)
                    for code, stored in rows
                    for band, value in simhash_bands(_from_sql(stored), count)
                ),
            )
            self._db.execute("UPDATE store_meta SET value = ? WHERE key = ?", (str(count), _META_BANDS))
        logger.info("State store %s: SimHash index rebuilt with %d bands for %d articles", self.path, count, len(rows))
        return count

    def _transaction(self):
        return _Transaction(self._db)

    def close(self):
        self._db.close()


class _Transaction:
    """BEGIN IMMEDIATE … COMMIT on an autocommit connection; ROLLBACK on any error.

    IMMEDIATE takes the write lock up front, so a concurrent writer waits (busy_timeout) at the
    start instead of failing half-way through.
    """

    def __init__(self, db: sqlite3.Connection):
        self._db = db

    def __enter__(self):
        self._db.execute("BEGIN IMMEDIATE")
        return self._db

    def __exit__(self, exc_type, exc, tb):
        self._db.execute("COMMIT" if exc_type is None else "ROLLBACK")
        return False


def store_for(crawler) -> ArticleStore:
    """The one store shared by the incremental middleware and the pipelines of a crawl.

    Opened on first use and closed when the spider closes, so components need not agree on an
    order of initialisation.
    """
    store = getattr(crawler, "_finews_article_store", None)
    if store is None:
        from scrapy import signals

        # STATE_STORE_CLASS (set by the distributed add-on) picks another backend, e.g. Redis.
        backend = crawler.settings.get("STATE_STORE_CLASS")
        if backend:
            from scrapy.utils.misc import build_from_crawler, load_object

            store = build_from_crawler(load_object(backend), crawler)
        else:
            mmap_mb = crawler.settings.getint("STATE_MMAP_MB", MMAP_SIZE >> 20)
            store = ArticleStore(crawler.settings.get("STATE_DIR"), mmap_bytes=mmap_mb << 20)
        crawler._finews_article_store = store

        def _close(*args, **kwargs):
            store.close()
            crawler._finews_article_store = None

        crawler.signals.connect(_close, signal=signals.spider_closed, weak=False)
    return store
