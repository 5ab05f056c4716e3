"""Decide whether a finished crawl is healthy, so cron notices a broken run by its exit code.

A layout change on the site does not make Scrapy fail: pages download with 200, the parsers find
nothing, validation drops every item, and the run ends as ``finished`` with exit code 0, night
after night. This extension watches what extraction produced and, at the end, writes a verdict
into the stats (``health/status`` and counts; ``STATS_FILE`` carries them) and logs which pages and
which fields failed. ``scrapy crawl`` turns the verdict into its exit code (:func:`exit_code`).

A run is unhealthy when

- more than ``HEALTH_MAX_EXTRACTION_FAILURE_SHARE`` of the article pages that were processed
  failed extraction (``extraction_failed``): a validation drop for a field the page should have
  given (title, body, date, info code, URL, category) or an exception in the parse callback.
  Drops of hostile or unusable *content* (a bad info code or slug, a future date) and dedupe
  drops are not extraction failures: the parser did its job;
- listing pages were parsed but yielded no article link at all (``listings_empty``): a
  listing layout change looks exactly like this;
- no response succeeded and some failed (``only_errors``): the site is down or blocks us;
- a post could not be written (``write_failed``): a full disk or lost permissions.

A re-run with nothing new (listing fetched, every article already stored) processes no article
page and is healthy.
"""

from __future__ import annotations

import logging
import re

from scrapy import signals

logger = logging.getLogger(__name__)

#: Validation drop reasons that mean the page did not give a field it should have.
EXTRACTION_REASONS = frozenset(
    {"missing_info_code", "missing_url", "missing_title", "missing_body", "missing_date", "bad_date", "missing_category"}
)
#: Validation drop reasons that mean the content itself is unusable or hostile: not a parser failure.
REJECTED_REASONS = frozenset({"bad_info_code", "bad_category", "future_date"})
#: Finish reasons that end a run normally (CLOSESPIDER_* limits are the operator's choice).
NORMAL_FINISH = frozenset({"finished", "closespider_timeout", "closespider_itemcount", "closespider_pagecount"})
#: Finish reasons of runs refused before any request, and their exit codes.
REFUSED = {"lock_held": 3, "mirrors_invalid": 2, "site_dir_unwritable": 2, "state_unusable": 2}
#: How many failed pages are kept in the stats and logged one by one.
MAX_LISTED_PAGES = 20

_REASON = re.compile(r"^(\w+):")


def missing_fields(item) -> list[str]:
    """The fields a reader would miss in the post, named as an operator knows them."""
    fields = []
    if not item.get("info_code"):
        fields.append("info_code")
    if not item.get("url"):
        fields.append("url")
    if not item.get("title"):
        fields.append("title")
    if not item.get("body") and not item.get("digest"):
        fields.append("body")
    if item.get("published_at") is None:
        fields.append("date")
    if not item.get("category"):
        fields.append("category")
    return fields


def exit_code(stats: dict) -> int:
    """The ``scrapy crawl`` exit code for a run's final stats (table in docs/operations.md)."""
    reason = stats.get("finish_reason")
    if reason in REFUSED:
        return REFUSED[reason]
    if reason not in NORMAL_FINISH:
        return 1
    if stats.get("health/status", "ok") != "ok":
        return 1
    # the post-run monitors (crawler/monitoring) report through the stats as well
    return 1 if stats.get("monitor/failed") else 0


class HealthCheck:
    def __init__(self, crawler, max_failure_share: float):
        self.crawler = crawler
        self.stats = crawler.stats
        self.max_failure_share = max_failure_share
        self.extracted = 0
        self.failed: list[dict] = []
        self.rejected = 0

    @classmethod
    def from_crawler(cls, crawler):
        try:
            share = crawler.settings.getfloat("HEALTH_MAX_EXTRACTION_FAILURE_SHARE", 0.5)
        except ValueError:
            # `scrapy crawl` refuses such a value up front; other runners judge with the default
            logger.error("HEALTH_MAX_EXTRACTION_FAILURE_SHARE = %r is not a number; using 0.5",
                         crawler.settings.get("HEALTH_MAX_EXTRACTION_FAILURE_SHARE"))
            share = 0.5
        ext = cls(crawler, share)
        crawler.signals.connect(ext.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(ext.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(ext.spider_error, signal=signals.spider_error)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    # --- what extraction produced ------------------------------------------------------------------
    def item_scraped(self, item, **kwargs):
        self.extracted += 1

    def item_dropped(self, item, exception, **kwargs):
        # The validate pipeline's messages start with its reason code ("missing_title: …"); the
        # signal is the only place that sees the item and the reason together. (Comparing the
        # validate/dropped counter instead does not work: items finish their pipelines out of order.)
        m = _REASON.match(str(exception))
        reason = m.group(1) if m else None
        if reason in EXTRACTION_REASONS:
            self._fail(item.get("url"), item.get("layout"), reason, missing_fields(item))
        elif reason in REJECTED_REASONS:
            self.rejected += 1
        else:
            self.extracted += 1  # extraction worked; a later stage (dedupe, the writer) dropped it

    def spider_error(self, failure, response, **kwargs):
        self._fail(response.url, None, f"spider_error: {failure.type.__name__}: {failure.getErrorMessage()[:200]}", [])

    def _fail(self, url, layout, reason, fields):
        self.failed.append({"url": url, "layout": layout, "reason": reason, "fields": fields})
        for field in fields:
            self.stats.inc_value(f"health/failed_fields/{field}")

    # --- the verdict -------------------------------------------------------------------------------
    def spider_closed(self, spider, reason):
        stats = self.stats
        counts = stats.get_stats()
        ok = failed = 0
        for key, value in counts.items():
            if key.startswith("downloader/response_status_count/"):
                status = int(key.rsplit("/", 1)[1])
                if status < 400:
                    ok += value
                else:
                    failed += value
        failed += counts.get("downloader/exception_count", 0)
        attempts = self.extracted + len(self.failed)
        share = len(self.failed) / attempts if attempts else 0.0

        problems = []
        if attempts and share > self.max_failure_share:
            problems.append("extraction_failed")
        if counts.get("listing/pages", 0) and not counts.get("listing/links", 0):
            problems.append("listings_empty")
        if failed and not ok:
            problems.append("only_errors")
        if counts.get("posts/write_failed", 0):
            problems.append("write_failed")

        stats.set_value("health/status", problems[0] if problems else "ok")
        if len(problems) > 1:
            stats.set_value("health/problems", problems)
        stats.set_value("health/responses_ok", ok)
        stats.set_value("health/responses_failed", failed)
        stats.set_value("health/extraction_attempts", attempts)
        stats.set_value("health/extraction_failures", len(self.failed))
        stats.set_value("health/extraction_failure_share", round(share, 4))
        if self.rejected:
            stats.set_value("health/rejected_content", self.rejected)
        if self.failed:
            stats.set_value("health/failed_pages", self.failed[:MAX_LISTED_PAGES])

        if problems:
            self._log_problems(problems, counts, ok, failed, attempts, share)
        elif self.failed:
            logger.warning(
                "health: ok, but extraction failed on %d of %d article pages (%.0f%%, limit %.0f%%)",
                len(self.failed), attempts, share * 100, self.max_failure_share * 100,
            )
            self._log_pages(logging.WARNING)

    def _log_problems(self, problems, counts, ok, failed, attempts, share):
        for problem in problems:
            if problem == "extraction_failed":
                fields = sorted(
                    ((k.rsplit("/", 1)[1], v) for k, v in counts.items() if k.startswith("health/failed_fields/")),
                    key=lambda kv: (-kv[1], kv[0]),
                )
                logger.error(
                    "health: extraction failed on %d of %d article pages (%.0f%% > %.0f%%, "
                    "HEALTH_MAX_EXTRACTION_FAILURE_SHARE); missing fields: %s",
                    len(self.failed), attempts, share * 100, self.max_failure_share * 100,
                    ", ".join(f"{name} ({n})" for name, n in fields) or "none (parse errors)",
                )
                self._log_pages(logging.ERROR)
            elif problem == "listings_empty":
                logger.error(
                    "health: %d listing page(s) parsed but no article link found on any: "
                    "has the listing layout changed?", counts.get("listing/pages", 0),
                )
            elif problem == "only_errors":
                statuses = ", ".join(
                    f"{k.rsplit('/', 1)[1]} x{v}" for k, v in sorted(counts.items())
                    if k.startswith("downloader/response_status_count/") and int(k.rsplit("/", 1)[1]) >= 400
                )
                exceptions = ", ".join(
                    f"{k.rsplit('/', 1)[1].rsplit('.', 1)[-1]} x{v}" for k, v in sorted(counts.items())
                    if k.startswith("downloader/exception_type_count/")
                )
                logger.error(
                    "health: no request succeeded (%d failed: %s)", failed,
                    "; ".join(x for x in (statuses, exceptions) if x) or "no detail",
                )
            elif problem == "write_failed":
                logger.error(
                    "health: %d post(s) could not be written to SITE_DIR (see the errors above)",
                    counts.get("posts/write_failed", 0),
                )

    def _log_pages(self, level):
        for page in self.failed[:MAX_LISTED_PAGES]:
            fields = f"; missing: {', '.join(page['fields'])}" if page["fields"] else ""
            layout = f" (layout {page['layout']})" if page["layout"] else ""
            logger.log(level, "health: failed page %s%s: %s%s", page["url"], layout, page["reason"], fields)
        if len(self.failed) > MAX_LISTED_PAGES:
            logger.log(level, "health: … and %d more failed pages", len(self.failed) - MAX_LISTED_PAGES)
