"""Run site upkeep (archive, category pages) when a crawl finishes, if ``UPKEEP_ON_CLOSE`` is set.

A crawl that just wrote posts for a new category should not leave that category's "返回" link
dangling until the next ``scrapy upkeep`` cron run. Only a ``finished`` crawl does it: a crawl that
was cancelled or failed may be half done, and upkeep is never urgent. The counts go into the crawl
stats so ``STATS_FILE`` and monitoring see them; that is why the extension must run before
``StatsFile`` on ``spider_closed`` (see the order in settings).
"""

from __future__ import annotations

import logging
from pathlib import Path

from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler.upkeep import archive_old_posts, write_category_pages

logger = logging.getLogger(__name__)


class UpkeepExtension:
    def __init__(self, crawler, site_dir: Path, archive_days: int):
        self.crawler = crawler
        self.site_dir = site_dir
        self.archive_days = archive_days

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not settings.getbool("UPKEEP_ON_CLOSE", False):
            raise NotConfigured
        ext = cls(crawler, Path(settings.get("SITE_DIR")), settings.getint("UPKEEP_ARCHIVE_DAYS", 30))
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_closed(self, spider, reason):
        if reason != "finished":
            logger.info("upkeep: skipped, the crawl did not finish (%s)", reason)
            return
        if not self.site_dir.is_dir():
            logger.info("upkeep: skipped, SITE_DIR %s does not exist", self.site_dir)
            return
        stats = self.crawler.stats
        try:
            archived = archive_old_posts(self.site_dir, self.archive_days)
            pages = write_category_pages(self.site_dir)
        except OSError:
            # A full disk or a permission problem must not turn a good crawl into a failed one.
            logger.exception("upkeep: failed on %s", self.site_dir)
            stats.set_value("upkeep/failed", 1)
            return
        stats.set_value("upkeep/archived", archived.moved)
        stats.set_value("upkeep/already_archived", archived.already_archived)
        stats.set_value("upkeep/conflicts", archived.conflicts)
        stats.set_value("upkeep/category_pages_written", pages.pages_written)
        stats.set_value("upkeep/category_pages_unchanged", pages.pages_unchanged)
        stats.set_value("upkeep/skipped", archived.skipped + pages.skipped)
        logger.info("upkeep: archive: %s; category pages: %s", archived.summary(), pages.summary())
