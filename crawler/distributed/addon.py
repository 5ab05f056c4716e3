"""The Scrapy add-on that turns ``DISTRIBUTED_REDIS_URL`` into the settings of distributed mode.

An add-on rather than more lines in ``settings.py``: it runs after ``-s`` overrides are applied,
so one command-line setting can switch the scheduler, the dupefilter, the store and the pipelines
together, and it only touches them when distributed mode is asked for. Everything it sets has the
``addon`` priority, so a project or ``-s`` value still wins for anyone who needs to tune one piece.
"""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)

#: Just before the post writer (400): the claim must be the last decision before the write.
CLAIM_PIPELINE_ORDER = 390


class DistributedAddon:
    def update_settings(self, settings):
        url = settings.get("DISTRIBUTED_REDIS_URL")
        if not url:
            return
        try:
            import scrapy_redis  # noqa: F401
            import redis  # noqa: F401
        except ImportError:
            # Running alone while the operator believes the workers share a queue would write
            # every article once per worker: refuse instead.
            raise RuntimeError(
                "DISTRIBUTED_REDIS_URL is set but scrapy-redis is not installed: "
                "pip install 'finews-crawler[distributed]'"
            ) from None
        from crawler.distributed.claims import ClaimPipeline

        prefix = settings.get("DISTRIBUTED_KEY_PREFIX") or "finews"
        for name, value in {
            "REDIS_URL": url,
            "SCHEDULER": "crawler.distributed.scheduler.DistributedScheduler",
            "DUPEFILTER_CLASS": "crawler.distributed.scheduler.RoundDupeFilter",
            "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
            "SCHEDULER_QUEUE_KEY": f"{prefix}:%(spider)s:requests",
            "SCHEDULER_DUPEFILTER_KEY": f"{prefix}:%(spider)s:dupefilter",
            # The queue and dupefilter outlive one worker: the first worker to finish must not
            # flush what the others are still crawling (scrapy-redis does unless persisting).
            "SCHEDULER_PERSIST": True,
            # scrapy-redis would block the reactor in BRPOP while idle; the scheduler here
            # decides about idling itself (DISTRIBUTED_IDLE_BEFORE_CLOSE).
            "SCHEDULER_IDLE_BEFORE_CLOSE": 0,
            "STATE_STORE_CLASS": "pipelines.state_redis.RedisArticleStore",
        }.items():
            settings.set(name, value, "addon")
        settings.set_in_component_priority_dict("ITEM_PIPELINES", ClaimPipeline, CLAIM_PIPELINE_ORDER)
        logger.info("Distributed mode: queue, dupefilter and article store in Redis at %s (prefix %r)",
                    _redact(url), prefix)


def _redact(url: str) -> str:
    """Never log a Redis password."""
    if "@" in url:
        scheme, _, rest = url.partition("://")
        return f"{scheme}://***@{rest.rpartition('@')[2]}"
    return url
