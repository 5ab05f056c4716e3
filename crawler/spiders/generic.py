"""``generic``: article pages of any site, given as URLs (``-a urls=…`` or ``-a file=…``).

For a site we have no layout for (or a one-off article), each page is read by
:class:`~crawler.pages.generic.GenericPage`. The feed item keeps the page URL in ``url``. The
category and tag come from the outlet registry by the media name in the page's source line, as
the ``share`` spider does; a page whose media is not in the registry (or that names none) takes
``-a category=<slug>``, and without it is dropped by validation (``missing_category``) rather than
filed under a made-up category.

Pages have no info code of their own, so one is derived from the URL asked for: ``GN`` + 18 digits
of its hash (``crawler.pages.generic.derive_info_code``). It is known before the fetch, so a
re-run skips articles already written, exactly like the outlet spiders.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pydantic
import scrapy

from crawler.loaders import load_article
from crawler.middlewares.incremental import ARTICLE_KEY
from crawler.pages.generic import GenericPage, canonical_url, derive_info_code
from crawler.sources import SLUG_PATTERN
from crawler.spiders.base import ArticleSpider
from crawler.spiders.arguments import LinkArguments


class GenericArguments(LinkArguments):
    category: str | None = None

    @pydantic.field_validator("category")
    @classmethod
    def _slug(cls, value):
        if value is not None and not SLUG_PATTERN.fullmatch(value.strip()):
            raise ValueError(f"{value!r} is not a category slug, e.g. -a category=kejiribao")
        return value.strip() if value else value

    link_kind = "an http(s) URL"

    @classmethod
    def link_ok(cls, url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and bool(parts.hostname)


class GenericSpider(ArticleSpider):
    name = "generic"
    Arguments = GenericArguments

    async def start(self):
        for url in self.args.links:
            yield scrapy.Request(
                url, callback=self.parse_article, cb_kwargs={"link": url},
                meta={ARTICLE_KEY: derive_info_code(canonical_url(url))},
            )

    def parse_article(self, response, link: str):
        page = GenericPage(response, key_url=link)
        item = load_article(page, crawled_at=self.now())
        category, tag = self.classify(item.get("source"))
        if category:
            item["category"] = category
        if tag:
            item["tags"] = [tag]
        yield item

    def classify(self, media_name: str | None) -> tuple[str | None, str | None]:
        """Registry entry of the media, else ``-a category`` (its registry tag if it has one)."""
        from crawler.sources import by_media_name, by_slug, load_sources

        sources = load_sources(self.settings.get("SOURCES_FILE") or None)
        found = by_media_name(sources, media_name) if media_name else None
        if found is not None:
            return found.slug, found.tag
        slug = self.args.category
        if not slug:
            return None, None
        own = by_slug(sources, slug)
        if own is not None:
            return own.slug, own.tag
        return slug, f"{media_name}新闻" if media_name else slug
