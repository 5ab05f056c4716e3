"""Crawl a finews-style Jekyll site: listing pages → post pages → ArticleItem.

Crawling (which pages to visit) lives here and in ``base``; extraction (what a page says) lives
in ``crawler.pages``; cleaning lives in ``crawler.loaders``.
"""

from __future__ import annotations

import pydantic
from scrapy.downloadermiddlewares.retry import get_retry_request

from crawler.loaders import load_article
from crawler.pages.finews import FinewsPostPage
from crawler.spiders.arguments import SpiderArguments
from crawler.sources import SLUG_PATTERN, category_url
from crawler.spiders.base import ArticleSpider

SITE = "https://finews.withounder.com"


def parse_categories(value) -> tuple[str, ...]:
    slugs = tuple(s.strip() for s in str(value).split(",") if s.strip())
    bad = [s for s in slugs if not SLUG_PATTERN.fullmatch(s)]
    if bad or not slugs:
        raise ValueError(
            f"{value!r} is not a list of category slugs; give one or more separated by commas, "
            "e.g. -a category=kejiribao,zhengquanshibao"
        )
    return slugs


class FinewsArguments(SpiderArguments):
    category: tuple[str, ...] | None = None

    @pydantic.field_validator("category", mode="before")
    @classmethod
    def _slugs(cls, value):
        return None if value is None else parse_categories(value)


class FinewsSpider(ArticleSpider):
    """Every category of the site (from the home page and the feed), or ``-a category=a,b``."""

    name = "finews"
    site = SITE
    categories: tuple[str, ...] = ()
    #: Listing URLs to start from; empty = the category pages of ``categories``.
    listings: tuple[str, ...] = ()
    #: Page class for post pages (the registry loader makes subclasses with selector overrides).
    post_page_class = FinewsPostPage
    Arguments = FinewsArguments

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.args.category is not None:
            self.categories = self.args.category
            self.listings = ()

    def start_urls_for_run(self) -> list[str]:
        if self.listings:
            return list(self.listings)
        if self.categories:
            return [category_url(slug, self.site) for slug in self.categories]
        return [f"{self.site}/", f"{self.site}/feed.xml"]

    async def start(self):
        for url in self.start_urls_for_run():
            callback_home = not self.categories and not self.listings and url.endswith("/")
            request = self.listing_request(url, dont_filter=True)
            yield request.replace(callback=self.parse_home) if callback_home else request

    def parse_home(self, response, page: int = 1):
        from crawler.pages.finews import FinewsListingPage

        for link in FinewsListingPage(response).category_links():
            yield self.listing_request(link["url"])
        yield from self.parse_listing(response, page=page)

    def accepts(self, link: dict) -> bool:
        return not self.categories or link.get("category") in (None, *self.categories)

    def parse_post(self, response):
        from crawler.pages.drift import with_fallback

        if not response.body.strip():
            # An empty 200 is a server hiccup, not an article without text: try again in this run.
            retry = get_retry_request(response.request, spider=self, reason="empty_body")
            if retry is not None:
                yield retry
                return

        # A template change leaves the layout's selectors empty-handed: re-parse generically.
        item = with_fallback(self, response, load_article(self.post_page_class(response), crawled_at=self.now()))
        if item.get("share_url") and item.get("info_code") and self.settings.getbool("FOLLOW_SHARE_LINKS", True):
            yield self.share_request(item["info_code"], item["share_url"], fallback=item)
        else:
            yield item
