"""``scrapy crawlall [spider …]``: run all outlet spiders (or the ones named) in one process.

One process instead of one cron job per outlet: one Python start-up, one reactor, and
connection limits shared across all spiders (``SHARED_CONCURRENT_REQUESTS`` and
``SHARED_CONCURRENT_REQUESTS_PER_HOST``). In a terminal a progress line shows how many spiders
have finished; at the end one line per spider gives its counts. Exit code 1 if any spider did not
finish cleanly.
"""

from __future__ import annotations

import sys

from scrapy import signals
from scrapy.commands import BaseRunSpiderCommand
from scrapy.exceptions import UsageError
from scrapy.settings import SETTINGS_PRIORITIES

from crawler.commands.crawl import preflight
from crawler.extensions.health import exit_code
from crawler.spiders.arguments import SpiderArgumentError, parse_arguments


class Command(BaseRunSpiderCommand):
    requires_project = True
    #: Applied over the project's settings unless given on the command line (a command's
    #: ``default_settings`` rank below settings.py, so they are set in ``run``).
    overrides = {"LOG_LEVEL": "WARNING", "SHARED_CONCURRENCY_ENABLED": True}

    def syntax(self):
        return "[options] [spider …]"

    def short_desc(self):
        return "Run all outlet spiders (or the ones named) in one process with shared limits"

    def add_options(self, parser):
        super().add_options(parser)
        parser.add_argument("--exclude", default="", help="comma-separated spiders to leave out")

    def outlet_names(self) -> list[str]:
        loader = self.crawler_process.spider_loader
        return sorted(n for n in loader.list() if getattr(loader.load(n), "media_name", None))

    def run(self, args, opts):
        loader = self.crawler_process.spider_loader
        known = set(loader.list())
        unknown = [a for a in args if a not in known]
        if unknown:
            raise UsageError(f"no spider named {', '.join(unknown)}; `scrapy list` shows them", print_help=False)
        excluded = {x.strip() for x in opts.exclude.split(",") if x.strip()}
        names = [n for n in (args or self.outlet_names()) if n not in excluded]
        if not names:
            raise UsageError("nothing to run", print_help=False)
        for name in names:
            model = getattr(loader.load(name), "Arguments", None)
            if model is not None:
                try:
                    parse_arguments(model, name, opts.spargs)
                except SpiderArgumentError as exc:
                    raise UsageError(str(exc), print_help=False) from None

        problem = preflight(self.settings)
        if problem:
            raise UsageError(problem, print_help=False)

        for key, value in self.overrides.items():
            if self.settings.getpriority(key) < SETTINGS_PRIORITIES["cmdline"]:
                self.settings.set(key, value, priority="cmdline")

        self.results: dict[str, dict] = {}
        self.total = len(names)
        self.tty = sys.stderr.isatty()
        crawlers = []
        for name in names:
            crawler = self._create_crawler(name)
            crawler.signals.connect(self._spider_closed, signal=signals.spider_closed)
            self.crawler_process.crawl(crawler, **opts.spargs)
            crawlers.append(crawler)
        self._progress()
        self.crawler_process.start()
        if self.tty:
            sys.stderr.write("\n")
        failed = 0
        for crawler in crawlers:
            name = crawler.spider.name if crawler.spider else "?"
            result = self.results.get(name, {"finish_reason": "not started"})
            stats = result.get("stats", {})
            print(
                f"{name}: {result['finish_reason']}, {stats.get('posts/written', 0)} written, "
                f"{stats.get('incremental/skipped', 0)} skipped, {stats.get('validate/dropped', 0)} dropped, "
                f"{stats.get('log_count/ERROR', 0)} errors"
            )
            failed += exit_code({**stats, "finish_reason": result["finish_reason"]}) != 0
        if failed or self.crawler_process.bootstrap_failed:
            self.exitcode = 1

    def _spider_closed(self, spider, reason):
        self.results[spider.name] = {"finish_reason": reason, "stats": dict(spider.crawler.stats.get_stats())}
        self._progress(spider.name)

    def _progress(self, last: str | None = None):
        if not self.tty:
            return
        done = len(self.results)
        items = sum(r["stats"].get("posts/written", 0) for r in self.results.values())
        tail = f", last: {last}" if last else ""
        sys.stderr.write(f"\r[crawlall] {done}/{self.total} spiders finished, {items} posts written{tail}\033[K")
        sys.stderr.flush()
