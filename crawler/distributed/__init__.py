"""Distributed mode: several workers, on one machine or many, crawl one site together.

``-s DISTRIBUTED_REDIS_URL=redis://host:6379/0`` is all an operator adds: the add-on below then
switches the crawl to the scrapy-redis scheduler (one request queue and one request dupefilter in
Redis, shared by every worker of the spider), the article store to Redis
(``pipelines.state_redis``), and puts a claim step in front of the post writer, so an article is
written by exactly one worker. Without the setting nothing changes and scrapy-redis is not even
imported. See ``docs/running.md`` ("Running on several machines").
"""

from crawler.distributed.addon import DistributedAddon

__all__ = ["DistributedAddon"]
