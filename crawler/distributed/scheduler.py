"""The scrapy-redis scheduler, made safe for workers that die and bounded in memory.

scrapy-redis shares one request queue (a sorted set) and one request dupefilter (a set) per
spider. Three things it leaves to the operator are handled here:

**Requests of a killed worker.** A request popped from the queue lives only in that worker's
memory, and its fingerprint is already in the dupefilter, so a re-seed cannot bring it back:
SIGKILL a worker and its in-flight articles are lost. Here a pop moves the request, in one
script, from the queue into that worker's in-flight set (``<queue>:inflight:<worker>``); the
worker removes it again only once the engine has finished with it (downloaded, parsed, and every
item through the pipelines, i.e. gone from the engine's in-progress set). Each worker keeps a
liveness key (``<prefix>:worker:<id>``, TTL ``DISTRIBUTED_WORKER_TIMEOUT``) alive from a
heartbeat; when it expires, any worker (a survivor, or a restarted one on start) moves the dead
worker's in-flight requests back into the queue, again in one script that checks the liveness key
itself. An article a dead worker had already written comes back as a duplicate and is dropped by
dedupe, never written twice.

**Dupefilter growth.** The dupefilter only has to cover one crawl round: across rounds the
article store already skips every written article. So its key carries a round id: the first
worker of a round (no live round key) starts one, later workers join it, the last worker to leave
an empty queue deletes the dupefilter, and every key has a TTL (``DISTRIBUTED_DUPEFILTER_TTL``,
refreshed on use) so a round whose last worker died still expires. Months of cron rounds then
cost nothing, and a listing page or a failed article is fetched again by the next round, as in a
single-process run.

**When to stop.** A worker stops once the queue is empty *and* no worker has a request in flight
(a live one may still add requests; a dead one's come back when its liveness key expires) for
``DISTRIBUTED_IDLE_BEFORE_CLOSE`` seconds. scrapy-redis's own ``SCHEDULER_IDLE_BEFORE_CLOSE``
blocks the reactor in BRPOP and only applies to list queues, so it stays 0.
"""

from __future__ import annotations

import logging
import time

from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.misc import load_object
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.scheduler import Scheduler
from twisted.internet.task import LoopingCall

from pipelines.state_redis import DEFAULT_PREFIX, worker_id

logger = logging.getLogger(__name__)

# KEYS: queue, inflight. ARGV: token. Pops the best request and parks it as "<token>|<data>".
_POP = """
local r = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #r == 0 then return false end
redis.call('ZREM', KEYS[1], r[1])
redis.call('ZADD', KEYS[2], r[2], ARGV[1] .. '|' .. r[1])
return r[1]
"""

# KEYS: inflight, queue, liveness key of its worker. Requeues only if that worker is not alive.
_REQUEUE = """
if redis.call('EXISTS', KEYS[3]) == 1 then return -1 end
local items = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
for i = 1, #items, 2 do
    local sep = string.find(items[i], '|', 1, true)
    redis.call('ZADD', KEYS[2], items[i + 1], string.sub(items[i], sep + 1))
end
redis.call('DEL', KEYS[1])
return #items / 2
"""


class RoundDupeFilter(RFPDupeFilter):
    """scrapy-redis's fingerprint set, with a TTL refreshed on every new fingerprint."""

    def __init__(self, server, key, debug=False, ttl=86400):
        super().__init__(server, key, debug)
        self.ttl = ttl

    @classmethod
    def from_spider(cls, spider):
        # The scheduler builds the real one (it knows the round); this keeps scrapy-redis from
        # building a timestamp-keyed one of its own.
        raise NotImplementedError("RoundDupeFilter is built by DistributedScheduler")

    def request_seen(self, request):
        pipe = self.server.pipeline(transaction=False)
        pipe.sadd(self.key, self.request_fingerprint(request))
        pipe.expire(self.key, self.ttl)
        added, _ = pipe.execute()
        return added == 0

    def close(self, reason=""):
        """Kept: the other workers of the round still use it (the last one deletes it)."""


class DistributedScheduler(Scheduler):
    @classmethod
    def from_crawler(cls, crawler):
        scheduler = super().from_crawler(crawler)
        settings = crawler.settings
        scheduler.crawler = crawler
        scheduler.prefix = settings.get("DISTRIBUTED_KEY_PREFIX") or DEFAULT_PREFIX
        scheduler.worker = worker_id(crawler)
        scheduler.worker_timeout = max(1.0, settings.getfloat("DISTRIBUTED_WORKER_TIMEOUT", 30))
        scheduler.close_after_idle = settings.getfloat("DISTRIBUTED_IDLE_BEFORE_CLOSE", 30)
        scheduler.dupefilter_ttl = settings.getint("DISTRIBUTED_DUPEFILTER_TTL", 86400)
        scheduler.debug_dupes = settings.getbool("DUPEFILTER_DEBUG")
        crawler.signals.connect(scheduler.spider_idle, signal=signals.spider_idle)
        return scheduler

    # --- keys ------------------------------------------------------------------------------------
    def _key(self, *parts) -> str:
        return ":".join((self.prefix, self.spider.name, *parts))

    @property
    def alive_key(self) -> str:
        return f"{self.prefix}:worker:{self.worker}"

    def _inflight_key(self, worker: str) -> str:
        return f"{self.queue.key}:inflight:{worker}"

    # --- lifecycle -------------------------------------------------------------------------------
    def open(self, spider):
        self.spider = spider
        self.queue = load_object(self.queue_cls)(
            server=self.server, spider=spider, key=self.queue_key % {"spider": spider.name}, serializer=self.serializer
        )
        self._pop = self.server.register_script(_POP)
        self._requeue = self.server.register_script(_REQUEUE)
        self._inflight: dict = {}  # Request -> member in this worker's in-flight set
        self._tokens = 0
        self._idle_since = None
        self._heartbeat_once()
        self.round = self._join_round()
        self.df = RoundDupeFilter(
            self.server, f"{self.dupefilter_key % {'spider': spider.name}}:{self.round}",
            debug=self.debug_dupes, ttl=self.dupefilter_ttl,
        )
        self.server.sadd(self._key("workers"), self.worker)
        requeued = self._reap()
        if len(self.queue):
            logger.info("Joining round %s of %s: %d requests queued", self.round, spider.name, len(self.queue))
        self._stats("set_value", "distributed/worker", self.worker)
        self._stats("set_value", "distributed/round", self.round)
        self._heartbeat = LoopingCall(self._beat)
        self._heartbeat.start(max(0.5, self.worker_timeout / 3), now=False)
        if requeued:
            logger.warning("Requeued %d in-flight requests of workers that are gone", requeued)

    def close(self, reason):
        if getattr(self, "_heartbeat", None) is not None and self._heartbeat.running:
            self._heartbeat.stop()
        self._ack_finished()
        # Leaving: stop being alive first, then hand back anything unfinished (a shutdown
        # mid-crawl) so the remaining workers pick it up at once instead of after the timeout.
        self.server.delete(self.alive_key)
        left = self._requeue(keys=[self._inflight_key(self.worker), self.queue.key, self.alive_key])
        if left and left > 0:
            logger.info("Handed %d unfinished requests back to the queue", left)
        self.server.srem(self._key("workers"), self.worker)
        self._maybe_end_round()

    # --- the queue -------------------------------------------------------------------------------
    def next_request(self):
        self._tokens += 1
        token = f"{self._tokens}"
        data = self._pop(keys=[self.queue.key, self._inflight_key(self.worker)], args=[token])
        if data is None:
            return None
        request = self.queue._decode_request(data)
        self._inflight[request] = token.encode() + b"|" + data
        if self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self):
        return len(self.queue) > 0

    # --- heartbeat, acks, dead workers ----------------------------------------------------------
    def _heartbeat_once(self):
        self.server.set(self.alive_key, self.spider.name, px=int(self.worker_timeout * 1000))

    def _beat(self):
        try:
            self._heartbeat_once()
            self.server.expire(self._key("round"), int(self.worker_timeout) + 1)
            self._ack_finished()
            self._reap()
        except Exception:  # a Redis hiccup must not kill the heartbeat; the next beat retries
            logger.exception("distributed heartbeat failed")

    def _in_progress(self):
        engine = getattr(self.crawler, "engine", None)
        slot = getattr(engine, "_slot", None)
        inprogress = getattr(slot, "inprogress", None)
        if inprogress is None:
            # Without the engine's in-progress set nothing can be acknowledged safely early; at
            # close everything left is handed back, so this only costs re-fetches after a crash.
            return None
        return inprogress

    def _ack_finished(self):
        if not self._inflight:
            return
        inprogress = self._in_progress()
        if inprogress is None:
            return
        done = [request for request in self._inflight if request not in inprogress]
        if done:
            self.server.zrem(self._inflight_key(self.worker), *(self._inflight.pop(r) for r in done))

    def _reap(self) -> int:
        """Move the in-flight requests of workers that stopped heartbeating back to the queue."""
        requeued = 0
        head = self._inflight_key("")
        for key in self.server.scan_iter(match=head + "*", count=100):
            worker = key.decode()[len(head):]
            if worker == self.worker:
                continue
            moved = self._requeue(keys=[key, self.queue.key, f"{self.prefix}:worker:{worker}"])
            if moved and moved > 0:
                logger.warning("Worker %s is gone: %d of its requests are back in the queue", worker, moved)
                requeued += moved
                self.server.srem(self._key("workers"), worker)
        if requeued:
            self._stats("inc_value", "distributed/requeued", requeued)
            self._idle_since = None
        return requeued

    def _anyone_in_flight(self) -> bool:
        head = self._inflight_key("")
        return any(self.server.zcard(key) for key in self.server.scan_iter(match=head + "*", count=100))

    # --- rounds ----------------------------------------------------------------------------------
    def _join_round(self) -> str:
        key = self._key("round")
        while True:
            new = time.strftime("%Y%m%dT%H%M%S") + f"-{self.worker[-6:]}"
            if self.server.set(key, new, nx=True, ex=int(self.worker_timeout) + 1):
                logger.info("Started crawl round %s", new)
                self._stats("set_value", "distributed/round_started", 1)
                return new
            current = self.server.get(key)
            if current is not None:
                return current.decode()

    def _maybe_end_round(self):
        """The last worker of a round, leaving an empty queue, drops the round's dupefilter."""
        workers = [w.decode() for w in self.server.smembers(self._key("workers"))]
        alive = [w for w in workers if self.server.exists(f"{self.prefix}:worker:{w}")]
        if alive or len(self.queue) or self._anyone_in_flight():
            return
        self.server.delete(self.df.key, self._key("workers"))
        current = self.server.get(self._key("round"))
        if current is not None and current.decode() == self.round:
            self.server.delete(self._key("round"))
        logger.info("Crawl round %s ended: dupefilter dropped", self.round)

    # --- idling ----------------------------------------------------------------------------------
    def spider_idle(self, spider):
        """Stay while there is work anywhere; leave after a quiet DISTRIBUTED_IDLE_BEFORE_CLOSE."""
        self._ack_finished()
        self._reap()
        if len(self.queue) or self._anyone_in_flight():
            self._idle_since = None
            raise DontCloseSpider
        now = time.monotonic()
        if self._idle_since is None:
            self._idle_since = now
        if now - self._idle_since < self.close_after_idle:
            raise DontCloseSpider
        logger.info("Queue empty and nothing in flight for %.0f s: closing", now - self._idle_since)

    def _stats(self, method: str, key: str, value):
        if self.stats:
            getattr(self.stats, method)(key, value)
