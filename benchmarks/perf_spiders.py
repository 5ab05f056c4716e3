"""The null spider: the baseline the full pipeline's crawl throughput is measured against.

It requests exactly what an outlet spider requests from the same listing — the category page,
every post page and, with ``-a share=1``, the share text API after each post page that carries a
share link (chained after the post page, as the outlet spider does) — through the same settings,
downloader middlewares and mirrors, and does nothing with the answers. What the full pipeline
costs beyond it (parsing, loaders, validation, sanitising, dedupe, SimHash, post files, state,
feeds) is what the benchmark puts a number on.

Loaded with ``-s SPIDER_MODULES=crawler.spiders,benchmarks.perf_spiders`` so it runs under the
same ``scrapy crawl`` command and project settings as the real spiders; it is never part of the
shipped spider list.
"""

from __future__ import annotations

import re

import scrapy

from crawler.pages.eastmoney import share_api_url
from crawler.sources import category_url

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

    async def start(self):
        yield scrapy.Request(category_url(self.category, self.site), callback=self.parse_listing, dont_filter=True)

    def parse_listing(self, response):
        for m in _POST_HREF.finditer(response.body):
            # No article key: the incremental middleware's store lookup is the pipeline's cost.
            yield scrapy.Request(m[1].decode("utf-8"), callback=self.parse_post)

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
