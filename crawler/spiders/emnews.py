"""``emnews``: rolling-news digest posts (东财滚动新闻) from the JSON list API.

A rolling-news record already holds everything a digest post shows (title, time, lead, link), so
no article page is fetched at all: a run costs the list pages, and paging stops once it reaches
records already written.
"""

from __future__ import annotations

from crawler.loaders import ArticleLoader
from crawler.spiders.base import ArticleSpider
from crawler.pages.listings import NewsListApiPage


class EmnewsSpider(ArticleSpider):
    name = "emnews"
    category = "emnews"
    tag = "东财滚动新闻"

    async def start(self):
        yield self.listing_request(self.settings.get("EMNEWS_LIST_URL"), dont_filter=True)

    def parse_listing(self, response, page: int = 1):
        api = NewsListApiPage(response)
        records = api.records()
        self.stat("listing/pages")
        self.stat("listing/links", len(records))
        known_run = 0
        for record in records:
            if self.is_known(record["info_code"]):
                known_run += 1
                self.stat("incremental/skipped")
                continue
            known_run = 0
            yield self.digest_item(record)
        yield from self.next_listing(response, api.next_page_url(), known_run=known_run, page=page)

    def digest_item(self, record: dict):
        loader = ArticleLoader()
        loader.add_value("info_code", record["info_code"])
        loader.add_value("url", record["url"])
        loader.add_value("title", record["title"])
        loader.add_value("published_raw", record["show_time"])
        loader.add_value("published_at", record["show_time"])
        loader.add_value("digest", record["summary"])
        loader.add_value("source", record["media_name"])
        loader.add_value("category", self.category)
        loader.add_value("tags", [self.tag])
        loader.add_value("layout", NewsListApiPage.layout)
        loader.add_value("crawled_at", self.now())
        return loader.load_item()
