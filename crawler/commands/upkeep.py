"""``scrapy upkeep``: archive old posts and (re)write category pages, outside any crawl.

For cron on the machine that builds the site, or once after changing ``UPKEEP_ARCHIVE_DAYS``;
crawls can also do it themselves on close (``UPKEEP_ON_CLOSE``). It uses the project settings, so
``-s SITE_DIR=...`` works as for ``crawl``. Safe to run at any time and any number of times.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.utils.log import configure_logging

from crawler.dates import SHANGHAI
from crawler.upkeep import archive_cutoff, archive_old_posts, write_category_pages


def parse_now(text: str) -> dt.datetime:
    """``--now`` value: an ISO date or date-time; without an offset it is Shanghai time."""
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--now: not an ISO date or date-time: {text!r}") from None
    return value if value.tzinfo is not None else value.replace(tzinfo=SHANGHAI)


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False

    def syntax(self):
        return "[--archive-days N] [--no-archive] [--no-categories] [--now YYYY-MM-DD]"

    def short_desc(self):
        return "Archive posts older than N days to old_post/ and write category/<slug>.html pages"

    def add_options(self, parser):
        super().add_options(parser)
        parser.add_argument(
            "--archive-days",
            type=int,
            default=None,
            metavar="N",
            help="archive posts older than N days, 0 or less for never (default UPKEEP_ARCHIVE_DAYS)",
        )
        parser.add_argument("--no-archive", action="store_true", help="do not archive posts")
        parser.add_argument("--no-categories", action="store_true", help="do not write category pages")
        parser.add_argument(
            "--now",
            default=None,
            metavar="DATE",
            help="pretend it is this date/time (ISO, Asia/Shanghai); for tests and backfills",
        )

    def process_options(self, args, opts):
        super().process_options(args, opts)
        if args:
            raise UsageError("upkeep takes no positional arguments")
        self.now = parse_now(opts.now) if opts.now else None

    def run(self, args, opts):
        configure_logging(self.settings)
        site = Path(self.settings.get("SITE_DIR"))
        if not site.is_dir():
            print(f"upkeep: SITE_DIR {site} does not exist (set it with -s SITE_DIR=...)", file=sys.stderr)
            self.exitcode = 1
            return
        if not opts.no_archive:
            days = opts.archive_days
            if days is None:
                days = self.settings.getint("UPKEEP_ARCHIVE_DAYS", 30)
            if days <= 0:
                print("archive: off (archive days <= 0)")
            else:
                result = archive_old_posts(site, days, now=self.now)
                cutoff = archive_cutoff(days, now=self.now)
                print(f"archive: {result.summary()} (posts dated before {cutoff}, {days} days)")
        if not opts.no_categories:
            result = write_category_pages(site)
            print(f"categories: {result.summary()} (pages in {site / 'category'})")
