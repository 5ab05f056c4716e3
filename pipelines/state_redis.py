"""The article store on Redis, for workers on several machines that crawl one site together.

Same interface and guarantees as ``pipelines.state.ArticleStore`` (the SQLite store): a row is
committed after its post is on disk, and a SimHash lookup reads only the band entries that can
match. Redis rather than a second SQLite file on a network share or a PostgreSQL server: the
scrapy-redis scheduler and dupefilter already need Redis, so distributed mode adds one service,
not two; every decision that must be atomic across workers (record an article and its bands,
claim a code before writing it, release the claim) is one server-side script, so no worker ever
sees half a write and no lock outlives a crashed worker by more than its TTL. What Redis gives up
(everything in memory: about 1.5 KB an article with its band entries on Redis 7.0, ~1.5 GB per
million; durability only as configured with AOF/RDB) is acceptable for state that a re-crawl can
rebuild.

Keys, all under ``<prefix>:`` (``DISTRIBUTED_KEY_PREFIX``, default ``finews``):

- ``article:<code>``: hash ``fingerprint post_path url spider written_at simhash bands worker``
  (``worker``: the one that committed it, for audits after a crash)
- ``articles:count``: number of article hashes (``len(store)`` without a scan)
- ``simhash:bands``: band count of the SimHash index (pigeonhole, as in the SQLite store)
- ``band:<i>:<value>``: set of ``<code>:<simhash>`` members
- ``claim:<code>``: the worker writing that article now (``SET NX PX``, released on record)
- ``worker:<id>``: a live worker (refreshed by its scheduler; expires when the worker dies)
"""

from __future__ import annotations

import logging
import os
import secrets
import socket

from pipelines.state import DEFAULT_SIMHASH_BANDS, StateError, StoredArticle, band_layout, simhash_bands

logger = logging.getLogger(__name__)

DEFAULT_PREFIX = "finews"

# KEYS: article, count, claim. ARGV: code, fingerprint, post_path, url, spider, simhash ("" = none),
# holder, new band keys (space separated, "" = none). Old band entries are removed with the member
# recorded in the hash, so a changed text never leaves a stale band behind.
_RECORD = """
local old = redis.call('HMGET', KEYS[1], 'bands', 'simhash')
if old[1] and old[1] ~= '' then
    local member = ARGV[1] .. ':' .. old[2]
    for key in string.gmatch(old[1], '%S+') do redis.call('SREM', key, member) end
end
if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('INCR', KEYS[2]) end
local now = redis.call('TIME')
redis.call('HSET', KEYS[1], 'fingerprint', ARGV[2], 'post_path', ARGV[3], 'url', ARGV[4],
           'spider', ARGV[5], 'written_at', now[1] .. '.' .. string.format('%06d', tonumber(now[2])),
           'simhash', ARGV[6], 'bands', ARGV[8], 'worker', ARGV[7])
if ARGV[6] ~= '' then
    local member = ARGV[1] .. ':' .. ARGV[6]
    for key in string.gmatch(ARGV[8], '%S+') do redis.call('SADD', key, member) end
end
if ARGV[7] ~= '' and redis.call('GET', KEYS[3]) == ARGV[7] then redis.call('DEL', KEYS[3]) end
return 1
"""

# KEYS: claim. ARGV: holder, ttl ms, expected current holder ("" = only if free).
# Returns "" when the claim is now ARGV[1]'s, else the current holder.
_CLAIM = """
local cur = redis.call('GET', KEYS[1])
if (not cur) or cur == ARGV[1] or (ARGV[3] ~= '' and cur == ARGV[3]) then
    redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
    return ''
end
return cur
"""

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def new_worker_id() -> str:
    """Host and pid say where a worker ran; the random part keeps a restarted pid distinct."""
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"


def worker_id(crawler) -> str:
    """One identity per crawl, shared by the scheduler (liveness, in-flight requests) and the
    store (claims), so a claim can be checked against the liveness of the worker that holds it."""
    wid = getattr(crawler, "_finews_worker_id", None)
    if wid is None:
        wid = crawler._finews_worker_id = new_worker_id()
    return wid


def redis_client(url: str):
    import redis

    return redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=10, retry_on_timeout=True)


class RedisArticleStore:
    def __init__(self, url: str, *, prefix: str = DEFAULT_PREFIX, worker: str | None = None):
        if not url:
            raise StateError("the Redis article store needs a URL: set DISTRIBUTED_REDIS_URL=redis://host:6379/0")
        self.url = url
        self.prefix = prefix
        self.worker_id = worker or new_worker_id()
        try:
            self._r = redis_client(url)
            self._r.ping()
        except Exception as exc:  # redis.ConnectionError, bad URL, auth
            raise StateError(
                f"cannot reach the Redis article store at {url}: {exc}. Check DISTRIBUTED_REDIS_URL and that "
                "redis-server is running and reachable from this machine."
            ) from None
        self._record = self._r.register_script(_RECORD)
        self._claim = self._r.register_script(_CLAIM)
        self._release = self._r.register_script(_RELEASE)

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        return cls(
            settings.get("STATE_REDIS_URL") or settings.get("DISTRIBUTED_REDIS_URL"),
            prefix=settings.get("DISTRIBUTED_KEY_PREFIX") or DEFAULT_PREFIX,
            worker=worker_id(crawler),
        )

    # --- keys ------------------------------------------------------------------------------------
    def key(self, *parts) -> str:
        return ":".join((self.prefix, *map(str, parts)))

    def worker_key(self, worker: str) -> str:
        return self.key("worker", worker)

    # --- the ArticleStore interface --------------------------------------------------------------
    def get(self, info_code: str) -> StoredArticle | None:
        fingerprint, post_path, url = self._r.hmget(self.key("article", info_code), "fingerprint", "post_path", "url")
        if fingerprint is None:
            return None
        return StoredArticle(info_code, fingerprint.decode(), _text(post_path), _text(url))

    def __contains__(self, info_code: str) -> bool:
        return bool(self._r.exists(self.key("article", info_code)))

    def __len__(self) -> int:
        return int(self._r.get(self.key("articles", "count")) or 0)

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
        """Commit one written article and release this worker's claim on it, atomically."""
        bands = ""
        if simhash is not None:
            count = self._band_count()
            bands = " ".join(self.key("band", band, value) for band, value in simhash_bands(simhash, count))
        self._record(
            keys=[self.key("article", info_code), self.key("articles", "count"), self.key("claim", info_code)],
            args=[info_code, fingerprint, post_path or "", url or "", spider or "",
                  "" if simhash is None else str(simhash), self.worker_id, bands],
        )

    def simhash(self, info_code: str) -> int | None:
        value = self._r.hget(self.key("article", info_code), "simhash")
        return int(value) if value else None

    def near(self, simhash: int, max_distance: int, exclude: str | None = None) -> str | None:
        """Info code of the earliest-written article within ``max_distance`` bits (see ArticleStore.near)."""
        count = self._band_count()
        if count < max_distance + 1:
            count = self.use_simhash_bands(max_distance + 1)
        pipe = self._r.pipeline(transaction=False)
        for band, value in simhash_bands(simhash, count):
            pipe.smembers(self.key("band", band, value))
        matches = {}
        for members in pipe.execute():
            for member in members:
                code, _, stored = member.decode().rpartition(":")
                distance = (int(stored) ^ simhash).bit_count()
                if distance <= max_distance and code != exclude:
                    matches[code] = distance
        if not matches:
            return None
        pipe = self._r.pipeline(transaction=False)
        for code in matches:
            pipe.hget(self.key("article", code), "written_at")
        best = None
        for (code, distance), written_at in zip(matches.items(), pipe.execute()):
            if written_at is not None:
                candidate = (float(written_at), distance, code)
                best = candidate if best is None or candidate < best else best
        return best[2] if best else None

    def use_simhash_bands(self, count: int) -> int:
        """Re-index every stored SimHash into ``count`` bands (a wider ``NEAR_DUPLICATE_MAX_DISTANCE``).

        More bands than ``max_distance + 1`` are still exact, so only a wider distance re-indexes;
        one worker does it under a lock while the others wait for the new layout. Each article's
        old entries are removed through its own ``bands`` list, so no layout is left half behind.
        """
        band_layout(count)
        with self._r.lock(self.key("simhash", "reindex"), timeout=600, blocking_timeout=600):
            if self._band_count() >= count:
                return self._band_count()
            head = len(self.key("article", ""))
            rebuilt = 0
            for key in self._r.scan_iter(match=self.key("article", "*"), count=1000):
                old_bands, raw = self._r.hmget(key, "bands", "simhash")
                if not raw:
                    continue
                code, value = key.decode()[head:], int(raw)
                member = f"{code}:{value}"
                new_bands = [self.key("band", band, v) for band, v in simhash_bands(value, count)]
                pipe = self._r.pipeline(transaction=True)
                for old in (old_bands or b"").decode().split():
                    pipe.srem(old, member)
                for band_key in new_bands:
                    pipe.sadd(band_key, member)
                pipe.hset(key, "bands", " ".join(new_bands))
                pipe.execute()
                rebuilt += 1
            self._r.set(self.key("simhash", "bands"), count)
        logger.info("Redis store %s: SimHash index rebuilt with %d bands for %d articles", self.prefix, count, rebuilt)
        return count

    def _band_count(self) -> int:
        value = self._r.get(self.key("simhash", "bands"))
        if value is None:
            self._r.set(self.key("simhash", "bands"), DEFAULT_SIMHASH_BANDS, nx=True)
            return int(self._r.get(self.key("simhash", "bands")))
        return int(value)

    # --- claims: who writes an article now --------------------------------------------------------
    def claim(self, info_code: str, ttl_ms: int, *, steal_from: str | None = None) -> str | None:
        """Take the write lease on ``info_code``; None when taken, else the worker holding it.

        ``steal_from`` takes it over from that (dead) holder only if it still holds it, so two
        survivors of one crash cannot both take it.
        """
        holder = self._claim(keys=[self.key("claim", info_code)], args=[self.worker_id, ttl_ms, steal_from or ""])
        return holder.decode() if holder else None

    def release(self, info_code: str) -> None:
        self._release(keys=[self.key("claim", info_code)], args=[self.worker_id])

    def worker_alive(self, worker: str) -> bool:
        return bool(self._r.exists(self.worker_key(worker)))

    def close(self):
        self._r.close()


def _text(value: bytes | None) -> str | None:
    return value.decode() if value else None
