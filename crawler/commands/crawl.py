"""``scrapy crawl`` with spider arguments checked before the engine starts.

Scrapy's own command would build the spider inside the engine, where a bad ``-a`` value becomes
a traceback and exit code 0. Here it is one line on stderr and exit code 2, which cron and
people both understand.
"""

from __future__ import annotations

import sys

from scrapy.commands.crawl import Command as ScrapyCrawlCommand

from crawler.spiders.arguments import SpiderArgumentError, parse_arguments


class Command(ScrapyCrawlCommand):
    def run(self, args, opts):
        if len(args) == 1:
            try:
                spidercls = self.crawler_process.spider_loader.load(args[0])
            except KeyError:
                print(f"error: no spider named {args[0]!r}; `scrapy list` shows them", file=sys.stderr)
                self.exitcode = 2
                return
            model = getattr(spidercls, "Arguments", None)
            if model is not None:
                try:
                    parse_arguments(model, spidercls.name, opts.spargs)
                except SpiderArgumentError as exc:
                    print(f"error: {exc}", file=sys.stderr)
                    self.exitcode = 2
                    return
        super().run(args, opts)
