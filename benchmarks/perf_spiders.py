"""The null spider: the baseline the full pipeline's crawl throughput is measured against.

It requests exactly what an outlet spider requests from the same listing — the category page,
every post page and, with ``-a share=1``, the share text API after each post page that carries a
share link (chained after the post page, as the outlet spider does) — through the same settings,
downloader middlewares and mirrors, and does nothing with the answers. What the full pipeline
costs beyond it (parsing, loaders, validation, sanitising, dedupe, SimHash, post files, state,
feeds) is what the benchmark puts a number on.

Its post requests reach the scheduler the way the outlet spider's do: through a
:class:`~crawler.spiders.feeding.LinkFeed`, ``LISTING_FEED_BATCH`` at a time, so the two hold the
same number of Requests at once and the memory comparison stays like for like.

Loaded with ``-s SPIDER_MODULES=crawler.spiders,benchmarks.perf_spiders`` so it runs under the
same ``scrapy crawl`` command and project settings as the real spiders; it is never part of the
shipped spider list.
"""

from __future__ import annotations

import re

import scrapy

from crawler.pages.eastmoney import share_api_url
from crawler.sources import category_url
from crawler.spiders.feeding import LinkFeed

# Byte regexes rather than a parse: finding the next URLs must cost next to nothing here.
_POST_HREF = re.compile(rb'href="(https?://[^"]+/\d{4}/\d\d/\d\d/[A-Za-z]{0,4}\d{6,24}\.html)"')
_SHARE_HREF = re.compile(rb'href="([^"]*NewsShare\.html\?infoCode=([A-Za-z]{0,4}\d{6,24}))"')


class NullSpider(scrapy.Spider):
    name = "perf_null"
    site = "https://finews.withounder.com"

    def __init__(self, category: str = "kejiribao", share: str = "1", **kwargs):
        super().__init__(**kwargs)
        self.category = category
        self.follow_share = share not in ("0", "false", "False", "")

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.waiting_links = LinkFeed.from_settings(crawler, spider.post_requests)
        return spider

    async def start(self):
        yield scrapy.Request(category_url(self.category, self.site), callback=self.parse_listing, dont_filter=True)

    def parse_listing(self, response):
        self.waiting_links.add(m[1].decode("utf-8") for m in _POST_HREF.finditer(response.body))
        return ()

    def post_requests(self, urls: list[str]):
        for url in urls:
            # No article key: the incremental store lookup is the pipeline's cost.
            yield scrapy.Request(url, callback=self.parse_post)

    def parse_post(self, response):
        if not self.follow_share:
            return
        m = _SHARE_HREF.search(response.body)
        if m:
            # dont_filter like the outlet spider's share request that carries a fallback item.
            url = share_api_url(m[1].decode("utf-8"), m[2].decode("ascii"))
            yield scrapy.Request(url, callback=self.parse_nothing, dont_filter=True)

    def parse_nothing(self, response):
        return None
