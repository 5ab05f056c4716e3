"""Incremental crawling: never request an article page whose post is already written.

Spiders mark article requests with ``meta["article_key"]`` (the info code, known from the listing
link). This spider middleware drops such requests before they reach the scheduler when the state
store already holds the key, so a re-run with nothing new costs the listing fetches only. Listing
requests carry no key and always pass. ``INCREMENTAL_ENABLED=False`` turns it off (a full re-crawl;
the dedupe pipeline still refuses to write an unchanged post twice).
"""

from __future__ import annotations

from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.spidermiddlewares.base import BaseSpiderMiddleware

from pipelines.state import store_for

ARTICLE_KEY = "article_key"


class IncrementalMiddleware(BaseSpiderMiddleware):
    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("INCREMENTAL_ENABLED", True):
            raise NotConfigured
        return cls(crawler)

    def get_processed_request(self, request: Request, response):
        key = request.meta.get(ARTICLE_KEY)
        if key and key in store_for(self.crawler):
            self.crawler.stats.inc_value("incremental/skipped")
            return None
        return request
