"""Crawl a finews-style Jekyll site: listing pages → post pages → ArticleItem.

Crawling (which pages to visit) lives here; extraction (what a page says) lives in
``crawler.pages``; cleaning lives in ``crawler.loaders``.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import quote

import pydantic
import scrapy

from crawler.dates import SHANGHAI
from crawler.loaders import load_article
from crawler.middlewares.incremental import ARTICLE_KEY
from crawler.pages.finews import FinewsListingPage, FinewsPostPage
from crawler.spiders.arguments import SpiderArguments, parse_arguments

SITE = "https://finews.withounder.com"
# A category slug as the live site names them: pinyin, digits, `·`, brackets, dots, dashes.
_SLUG = re.compile(r"^[\w·()（）.\-]+$")


def category_url(slug: str, site: str = SITE) -> str:
    # Jekyll escapes non-ASCII in page URLs (· → %C2%B7) and keeps RFC 3986 sub-delimiters.
    return f"{site}/category/{quote(slug, safe='!$&()*+,;=:@')}.html"


def parse_categories(value) -> tuple[str, ...]:
    slugs = tuple(s.strip() for s in str(value).split(",") if s.strip())
    bad = [s for s in slugs if not _SLUG.match(s) or s.startswith(".")]
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


class FinewsSpider(scrapy.Spider):
    """Every category of the site (discovered from the home page), or ``-a category=a,b``."""

    name = "finews"
    site = SITE
    categories: tuple[str, ...] = ()

    Arguments = FinewsArguments

    def __init__(self, *args, **kwargs):
        self.args = parse_arguments(self.Arguments, self.name, kwargs)
        super().__init__(*args, **{k: v for k, v in kwargs.items() if k.startswith("_")})
        if self.args.category is not None:
            self.categories = self.args.category

    async def start(self):
        if self.categories:
            for slug in self.categories:
                yield scrapy.Request(category_url(slug, self.site), callback=self.parse_listing, dont_filter=True)
        else:
            yield scrapy.Request(f"{self.site}/", callback=self.parse_home, dont_filter=True)

    def parse_home(self, response):
        for link in FinewsListingPage(response).category_links():
            yield response.follow(link["url"], callback=self.parse_listing)
        yield from self.parse_listing(response)

    def parse_listing(self, response):
        links = FinewsListingPage(response).post_links()
        self.crawler.stats.inc_value("listing/pages")
        self.crawler.stats.inc_value("listing/links", len(links))
        for link in links:
            if self.categories and link["category"] not in self.categories:
                continue
            yield scrapy.Request(link["url"], callback=self.parse_post, meta={ARTICLE_KEY: link["info_code"]})

    def parse_post(self, response):
        page = FinewsPostPage(response)
        yield load_article(page, crawled_at=dt.datetime.now(SHANGHAI).replace(microsecond=0))


class KejiribaoSpider(FinewsSpider):
    """科技日报: the category ``kejiribao`` of the finews site."""

    name = "kejiribao"
    categories = ("kejiribao",)
