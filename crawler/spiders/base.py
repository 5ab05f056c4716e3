"""What every article spider shares: validated arguments, listing dispatch with pagination and
early stop, and the share-link flow (JSON text API, then the public article page).

Subclasses decide where to start and how to read their own article pages; everything about
*which* pages to visit after a listing lives here, so incremental behaviour is the same for all.

A listing's article links are not yielded as Requests: they wait in a :class:`LinkFeed` as text
and reach the scheduler ``LISTING_FEED_BATCH`` at a time, so a category page of 100,000 posts
does not put 100,000 Requests in memory. What the incremental middleware would do to them (drop
articles already stored) is done when the listing is read, since fed requests bypass it.
"""

from __future__ import annotations

import datetime as dt
import re

import scrapy

from crawler.dates import SHANGHAI
from crawler.loaders import ArticleLoader
from crawler.middlewares.incremental import ARTICLE_KEY
from crawler.pages.eastmoney import EastmoneyArticlePage, ShareApiText, public_article_url, share_api_url
from crawler.pages.finews import FinewsListingPage, post_link_info
from crawler.pages.listings import AtomFeedPage, NewsListApiPage
from crawler.spiders.arguments import SpiderArguments, parse_arguments
from crawler.spiders.feeding import LinkFeed
from pipelines.state import store_for

_SHARE = re.compile(r"NewsShare\.html", re.I)
#: A body that starts like JSON (after a UTF-8 BOM and ASCII white space).
_JSON_START = re.compile(rb"(?:\xef\xbb\xbf)?[ \t\r\n\f\v]*[\[{]")
#: Dropped from a URL kept as a line of text; Scrapy drops them from a Request's URL anyway.
_TAB_NEWLINE = str.maketrans("", "", "\t\n\r")


class ArticleSpider(scrapy.Spider):
    Arguments: type[SpiderArguments] = SpiderArguments
    #: Outlet identity when the spider stands for one outlet (set by the registry loader).
    category: str | None = None
    tag: str | None = None
    media_name: str | None = None

    def __init__(self, *args, **kwargs):
        self.args = parse_arguments(self.Arguments, self.name, kwargs)
        super().__init__(*args, **{k: v for k, v in kwargs.items() if k.startswith("_")})

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        #: Listed article links not yet handed to the scheduler (URL, tab, info code: one line each).
        spider.waiting_links = LinkFeed.from_settings(crawler, spider.link_requests)
        return spider

    # --- helpers ---------------------------------------------------------------------------------
    def now(self) -> dt.datetime:
        return dt.datetime.now(SHANGHAI).replace(microsecond=0)

    def stat(self, key: str, count: int = 1) -> None:
        self.crawler.stats.inc_value(key, count)

    def is_known(self, info_code: str | None) -> bool:
        if not info_code or not self.settings.getbool("INCREMENTAL_ENABLED", True):
            return False
        return info_code in store_for(self.crawler)

    # --- listings --------------------------------------------------------------------------------
    def listing_request(self, url: str, *, page: int = 1, **kwargs) -> scrapy.Request:
        return scrapy.Request(url, callback=self.parse_listing, cb_kwargs={"page": page}, **kwargs)

    def parse_listing(self, response, page: int = 1):
        """Dispatch on what the listing is: JSON list API, Atom feed, or an HTML list."""
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1").lower()
        next_url = None
        if "json" in content_type or _looks_like_json(response):
            api = NewsListApiPage(response)
            records = api.records()
            links = [self.link_from_record(r) for r in records]
            links = [link for link in links if link]
            next_url = api.next_page_url()
        elif "xml" in content_type or response.url.endswith(".xml"):
            links = AtomFeedPage(response).post_links()
        else:
            links = FinewsListingPage(response).iter_post_links()
        self.stat("listing/pages")
        yield from self.follow_links(response, links, next_url=next_url, page=page)

    def link_from_record(self, record: dict) -> dict | None:
        """A JSON list record → a link: finews post, or a share link (article via the share API)."""
        url = record.get("url") or ""
        info = post_link_info(url)
        if info:
            return {"url": url, **info, "record": record}
        if _SHARE.search(url) and record.get("info_code"):
            return {"url": url, "info_code": record["info_code"], "record": record}
        return None

    def accepts(self, link: dict) -> bool:
        """Whether a listed article belongs to this spider (overridden to filter categories)."""
        return True

    def follow_links(self, response, links, *, next_url=None, page=1):
        """Queue the listed articles this spider wants and has not stored; then the next page."""
        known_run = listed = 0

        def wanted():
            nonlocal known_run, listed
            for link in links:
                listed += 1
                if not self.accepts(link):
                    continue
                if self.is_known(link.get("info_code")):
                    known_run += 1
                    # What IncrementalMiddleware does to a yielded article request, done here:
                    # the feed hands requests to the engine directly, past the spider middlewares.
                    self.stat("incremental/skipped")
                    continue
                known_run = 0
                yield f"{link['url'].translate(_TAB_NEWLINE)}\t{link['info_code']}"

        self.waiting_links.add(wanted())
        self.stat("listing/links", listed)
        yield from self.next_listing(response, next_url, known_run=known_run, page=page)

    def link_requests(self, lines: list[str]):
        """A batch of waiting links (lines of URL, tab, info code) as article requests: built only
        now, so the Requests that exist at once are the scheduler's batch, not the listing."""
        for line in lines:
            url, _, info_code = line.partition("\t")
            yield from self.article_requests({"url": url, "info_code": info_code})

    def next_listing(self, response, next_url, *, known_run: int, page: int):
        """Follow a listing's next page unless the newest-first listing has reached articles we
        already have (``LISTING_STOP_AFTER_KNOWN`` in a row) or ``LISTING_MAX_PAGES``."""
        if not next_url:
            return
        stop_after = self.settings.getint("LISTING_STOP_AFTER_KNOWN", 10)
        max_pages = self.settings.getint("LISTING_MAX_PAGES", 50)
        if stop_after and known_run >= stop_after:
            self.stat("listing/stopped_early")
            self.logger.info("listing %s: last %d articles already stored, not paging further", response.url, known_run)
        elif page >= max_pages:
            self.stat("listing/max_pages_reached")
            self.logger.warning("listing %s: LISTING_MAX_PAGES=%d reached, not paging further", response.url, max_pages)
        else:
            yield self.listing_request(next_url, page=page + 1)

    def article_requests(self, link: dict):
        if post_link_info(link["url"]):
            yield scrapy.Request(
                link["url"], callback=self.parse_post, errback=self.article_failed, meta={ARTICLE_KEY: link["info_code"]}
            )
        else:
            yield self.share_request(link["info_code"], link["url"], meta={ARTICLE_KEY: link["info_code"]})

    def parse_post(self, response):
        raise NotImplementedError(f"{type(self).__name__} does not read article pages")

    def article_failed(self, failure):
        """An article page that could not be fetched (after retries): say which and why. Nothing
        is stored for it, so the next run fetches it again."""
        request = failure.request
        reason = type(failure.value).__name__
        self.stat(f"articles/failed/{reason}")
        self.logger.warning(
            "article %s not fetched: %s (%s)", request.meta.get(ARTICLE_KEY), request.url, failure.getErrorMessage()
        )

    # --- the share flow --------------------------------------------------------------------------
    def share_request(self, info_code: str, share_url: str, *, fallback=None, meta=None) -> scrapy.Request:
        """Ask the share host's JSON text API for the article. ``fallback`` is an item already
        built from a post page: it is what gets written if the API is down."""
        ctx = {"info_code": info_code, "share_url": share_url, "fallback": fallback}
        return scrapy.Request(
            share_api_url(share_url, info_code),
            callback=self.parse_share_api,
            errback=self.share_api_failed,
            cb_kwargs={"ctx": ctx},
            meta=meta or {},
            dont_filter=fallback is not None,
        )

    def parse_share_api(self, response, ctx):
        api = ShareApiText(response.body, response.url)
        if not api.found:
            self.stat("share/api_missing")
            yield from self._share_without_api(ctx, f"no text in {response.url}")
            return
        self.stat("share/api_ok")
        fallback = ctx["fallback"]
        if fallback is not None:
            if api.body():
                # The API's text is the upstream original; the post page is a rendering of it.
                fallback["body"] = ArticleLoader.body_in(api.body())
            yield fallback
            return
        ctx["api"] = {
            "title": api.title(),
            "published_raw": api.published_raw(),
            "body": api.body(),
            "source": api.source_raw(),
            "images": api.images(),
        }
        if ctx["api"]["title"] and ctx["api"]["published_raw"]:
            yield self.share_item(ctx)
        else:
            yield from self._public_page(ctx)

    def share_api_failed(self, failure):
        ctx = failure.request.cb_kwargs["ctx"]
        self.stat("share/api_failed")
        yield from self._share_without_api(ctx, repr(failure.value))

    def _share_without_api(self, ctx, why: str):
        if ctx["fallback"] is not None:
            self.stat("share/fallback_to_post_page")
            self.logger.warning("share API unavailable for %s (%s); writing from the post page", ctx["info_code"], why)
            yield ctx["fallback"]
        else:
            yield from self._public_page(ctx)

    def _public_page(self, ctx):
        url = public_article_url(ctx["info_code"])
        if url is None:
            yield self.share_item(ctx)
            return
        yield scrapy.Request(url, callback=self.parse_public_article, errback=self.public_article_failed, cb_kwargs={"ctx": ctx})

    def parse_public_article(self, response, ctx):
        from crawler.pages.drift import fallback_layout, page_fields, public_page_fields

        page = EastmoneyArticlePage(response)
        api = ctx.get("api") or {}
        ctx["page"] = page_fields(page)

        # A template change leaves the layout's selectors empty-handed: re-parse generically.
        generic = public_page_fields(self, response, ctx["page"], page.layout)
        ctx["page"] = generic or ctx["page"]
        if not api:
            self.stat("share/from_public_page")
        item = self.share_item(ctx)
        if generic and not api:
            item["layout"] = fallback_layout(page.layout)
        yield item

    def public_article_failed(self, failure):
        ctx = failure.request.cb_kwargs["ctx"]
        self.stat("share/public_page_failed")
        self.logger.warning("public article page failed for %s: %r", ctx["info_code"], failure.value)
        yield self.share_item(ctx)

    def share_item(self, ctx):
        """Merge what the API and the public page gave: the API's text wins (it is the upstream
        text), the page fills what the API lacks (title, date, source)."""
        api, page = ctx.get("api") or {}, ctx.get("page") or {}

        def pick(field):
            return api.get(field) or page.get(field)

        loader = ArticleLoader()
        loader.add_value("info_code", ctx["info_code"])
        loader.add_value("share_url", ctx["share_url"])
        loader.add_value("url", page.get("url") or public_article_url(ctx["info_code"]) or ctx["share_url"])
        loader.add_value("title", pick("title"))
        # Prefer the raw date with seconds: the API's showTime, then the page's.
        raw = api.get("published_raw") or page.get("published_raw")
        loader.add_value("published_raw", raw)
        loader.add_value("published_at", raw)
        loader.add_value("body", pick("body"))
        loader.add_value("images", pick("images"))
        loader.add_value("source", pick("source"))
        source = loader.get_output_value("source")
        category, tag = self.outlet_for(source)
        loader.add_value("category", category)
        loader.add_value("tags", [tag] if tag else [])
        loader.add_value("layout", "share_api" if api else "eastmoney_article")
        loader.add_value("crawled_at", self.now())
        return loader.load_item()

    def outlet_for(self, media_name: str | None) -> tuple[str | None, str | None]:
        """Category slug and tag for an article of ``media_name``: this spider's own outlet, or
        the registry entry of that media, or a pinyin slug for a media not in the registry."""
        if self.category:
            return self.category, self.tag
        if not media_name:
            return None, None
        from crawler.sources import by_media_name, load_sources, slugify

        source = by_media_name(load_sources(self.settings.get("SOURCES_FILE") or None), media_name)
        if source is not None:
            return source.slug, source.tag
        self.stat("share/unknown_media")
        return slugify(media_name), f"{media_name}新闻"


def _looks_like_json(response) -> bool:
    """Whether the body starts like JSON, read from its first bytes: ``response.text`` would
    decode (and keep) the whole body, 18 MB for a category page of 100,000 posts."""
    encoding = (getattr(response, "encoding", None) or "utf-8").lower().replace("_", "-")
    if encoding.startswith(("utf-16", "utf-32", "utf16", "utf32")):  # not ASCII-compatible
        return response.text.lstrip()[:1] in ("{", "[")
    return _JSON_START.match(response.body) is not None
