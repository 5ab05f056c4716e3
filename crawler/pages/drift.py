"""Noticing layout drift and falling back to the generic parser.

A layout parser's selectors are exact until the site changes its template; then they find
nothing and, unchecked, empty posts would be written (or every article dropped by validation
without anyone knowing why). A page whose layout parser yields no title or no body is therefore
re-parsed with :class:`~crawler.pages.generic.GenericPage`, counted under
``extraction/fallback/<layout>`` and logged as a WARNING naming the layout and the URL, so an
operator learns of the template change from the first crawl after it while posts keep coming.

The item then says ``layout = "generic(fallback from <layout>)"``. What the layout parser reads
from the URL rather than from the template (info code, category) is kept; the tag comes from the
outlet registry when the template no longer shows it.

``EXTRACTION_FALLBACK = False`` keeps the warning but not the re-parse (counted under
``extraction/no_fallback/<layout>``): the item then fails validation with its reason, for
operators who would rather write nothing than a generic reading. When the generic parser finds
nothing either, ``extraction/fallback_failed/<layout>`` says so.
"""

from __future__ import annotations

from crawler.loaders import load_article
from crawler.pages.generic import GenericPage


def missing_fields(fields) -> list[str]:
    """What a layout failed to find: ``title`` and/or ``body`` (a digest counts as a body)."""
    missing = []
    if not fields.get("title"):
        missing.append("title")
    if not (fields.get("body") or fields.get("digest")):
        missing.append("body")
    return missing


def fallback_layout(layout: str) -> str:
    return f"generic(fallback from {layout})"


def _report(spider, layout: str, url: str, missing: list[str]) -> bool:
    """Count and log the drift; True when the generic parser should take over."""
    enabled = spider.settings.getbool("EXTRACTION_FALLBACK", True)
    spider.crawler.stats.inc_value(f"extraction/{'fallback' if enabled else 'no_fallback'}/{layout}")
    spider.logger.warning(
        "layout drift: %s found no %s on %s; %s", layout, " and no ".join(missing), url,
        "re-parsed with the generic parser" if enabled else "EXTRACTION_FALLBACK is off, not re-parsed",
    )
    return enabled


def _failed(spider, layout: str, url: str, missing: list[str]) -> None:
    spider.crawler.stats.inc_value(f"extraction/fallback_failed/{layout}")
    spider.logger.warning("generic parser found no %s on %s either (layout %s)", " and no ".join(missing), url, layout)


def with_fallback(spider, response, item):
    """``item`` as built by a layout parser, or the generic parser's reading of the same page
    when the layout found no title or no body."""
    missing = missing_fields(item)
    if not missing:
        return item
    layout = item.get("layout") or "unknown"
    if not _report(spider, layout, response.url, missing):
        return item
    generic = load_article(GenericPage(response), crawled_at=item.get("crawled_at"), layout=fallback_layout(layout))
    for field in ("info_code", "share_url", "category", "tags"):
        if item.get(field):
            generic[field] = item[field]
    if not generic.get("category") or not generic.get("tags"):
        category, tag = spider.outlet_for(generic.get("source"))
        if not generic.get("category") and category:
            generic["category"] = category
        if not generic.get("tags") and tag:
            generic["tags"] = [tag]
    if still := missing_fields(generic):
        _failed(spider, layout, response.url, still)
    return generic


def page_fields(page) -> dict:
    """The raw fields the share flow merges, read from an article page object of any layout."""
    return {
        "url": page.url,
        "title": page.title(),
        "published_raw": page.published_raw(),
        "body": page.body(),
        "source": page.source_raw(),
        "images": page.images(),
    }


def public_page_fields(spider, response, fields: dict, layout: str) -> dict | None:
    """For the share flow, which merges dicts of raw fields rather than items: the generic
    parser's fields when the layout's lack a title or a body, else None."""
    missing = missing_fields(fields)
    if not missing or not _report(spider, layout, response.url, missing):
        return None
    generic = page_fields(GenericPage(response))
    if still := missing_fields(generic):
        _failed(spider, layout, response.url, still)
    return generic
