"""``scrapy demo [spider]``: crawl the built-in sandbox site, no internet needed.

Starts the sandbox (real HTTP on 127.0.0.1, serving the shared corpus) in this process, points
``MIRRORS`` at it and runs the spider (default ``kejiribao``) with the normal settings, so posts
land in ``SITE_DIR`` (``exports/site/_posts``) and the feed in ``exports/feeds/``. Running it again
shows incremental crawling: the listing is fetched, nothing else.
"""

from __future__ import annotations

import sys
from pathlib import Path

from scrapy.commands import BaseRunSpiderCommand
from scrapy.exceptions import UsageError

from crawler.commands.crawl import preflight
from crawler.extensions.health import exit_code


class Command(BaseRunSpiderCommand):
    requires_project = True

    def syntax(self):
        return "[options] [spider]"

    def short_desc(self):
        return "Crawl the built-in sandbox site (default spider: kejiribao)"

    def run(self, args, opts):
        if len(args) > 1:
            raise UsageError("give at most one spider name")
        from sandbox import SandboxServer

        spider = args[0] if args else "kejiribao"
        server = SandboxServer().start()
        try:
            self.settings.set("MIRRORS", server.mirrors(), priority="cmdline")
            problem = preflight(self.settings)
            if problem:
                print(f"error: {problem}", file=sys.stderr)
                self.exitcode = 2
                return
            print(f"sandbox site serving the corpus at {server.base_url}")
            crawler = self._create_crawler(spider)
            self.crawler_process.crawl(crawler, **opts.spargs)
            self.crawler_process.start()
            if self.crawler_process.bootstrap_failed:
                self.exitcode = 1
                return
            stats = crawler.stats.get_stats()
            self.exitcode = exit_code(stats)
            site = Path(self.settings.get("SITE_DIR"))
            print(
                f"\n{spider}: {stats.get('posts/written', 0)} posts written, "
                f"{stats.get('incremental/skipped', 0)} already known and skipped; "
                f"posts in {site / '_posts'}"
            )
        finally:
            server.stop()
