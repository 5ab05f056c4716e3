"""``scrapy crawl`` with every operator mistake caught before the engine starts, and an exit code
cron can act on.

Scrapy's own command builds the spider and its components inside the engine, where a bad ``-a``
value, a malformed ``MIRRORS``, an unwritable ``SITE_DIR`` or a corrupt state database becomes a
traceback wall and, often, exit code 0. Here each is one ``error:`` line on stderr naming the
problem and the fix, before any request, and the exit code says what happened:

0  finished and healthy (also a re-run with nothing new)
1  the crawl ran but is unhealthy (``crawler.extensions.health``), a post-run monitor failed,
   or the crawl did not finish
2  bad command line or configuration: nothing was fetched
3  another crawl of the same spider holds its lock (``crawler.extensions.lock``)

The same checks live in the components too (they close the spider with a reason), for runners
that bypass this command; the checks here only make the message come first and alone.
"""

from __future__ import annotations

import sys

from scrapy.commands.crawl import Command as ScrapyCrawlCommand

from crawler.extensions.health import exit_code
from crawler.extensions.lock import LockHeld, acquire
from crawler.middlewares.mirrors import MirrorsConfigError, parse_mirrors
from crawler.spiders.arguments import SpiderArgumentError, parse_arguments
from pipelines.posts import check_site_dir
from pipelines.state import ArticleStore, StateError

EXIT_CONFIG = 2
EXIT_LOCKED = 3


def preflight(settings) -> str | None:
    """The first configuration problem of this project's settings as one line, or None.

    Cheap and side-effect free apart from creating the folders a crawl would create anyway, so
    ``crawlall`` and ``demo`` can call it too.
    """
    try:
        parse_mirrors(settings.get("MIRRORS") or {})
    except MirrorsConfigError as exc:
        return str(exc)
    for name, low, high in (("LOCK_WAIT_SECONDS", 0, None), ("HEALTH_MAX_EXTRACTION_FAILURE_SHARE", 0, 1)):
        try:
            value = settings.getfloat(name)
        except ValueError:
            value = None
        if value is None or value < low or (high is not None and value > high):
            bounds = f"between {low} and {high}" if high is not None else f"a number of at least {low}"
            return f"{name} = {settings.get(name)!r} must be {bounds}"
    problem = check_site_dir(settings.get("SITE_DIR"))
    if problem:
        return problem
    redis_url = settings.get("STATE_REDIS_URL") or settings.get("DISTRIBUTED_REDIS_URL")
    if redis_url:
        # Distributed mode: an unreachable Redis would otherwise surface as the scheduler's
        # traceback while the engine starts. The store's own check gives the one line.
        from pipelines.state_redis import DEFAULT_PREFIX, RedisArticleStore

        try:
            RedisArticleStore(redis_url, prefix=settings.get("DISTRIBUTED_KEY_PREFIX") or DEFAULT_PREFIX).close()
        except StateError as exc:
            return str(exc)
        return None
    if settings.get("STATE_STORE_CLASS"):
        return None  # another backend: it reports its own errors
    try:
        ArticleStore(settings.get("STATE_DIR")).close()
    except StateError as exc:
        return str(exc)
    return None


def fail(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)


class Command(ScrapyCrawlCommand):
    def run(self, args, opts):
        if len(args) != 1:
            super().run(args, opts)  # Scrapy's usage errors
            return
        name = args[0]
        try:
            spidercls = self.crawler_process.spider_loader.load(name)
        except KeyError:
            fail(f"no spider named {name!r}; `scrapy list` shows them")
            self.exitcode = EXIT_CONFIG
            return
        model = getattr(spidercls, "Arguments", None)
        if model is not None:
            try:
                parse_arguments(model, spidercls.name, opts.spargs)
            except SpiderArgumentError as exc:
                fail(str(exc))
                self.exitcode = EXIT_CONFIG
                return
        problem = preflight(self.settings)
        if problem:
            fail(problem)
            self.exitcode = EXIT_CONFIG
            return
        try:
            # Held until the process exits; the CrawlLock extension finds it already held.
            acquire(self.settings.get("STATE_DIR"), spidercls.name, self.settings.getfloat("LOCK_WAIT_SECONDS", 0))
        except LockHeld as exc:
            fail(str(exc))
            self.exitcode = EXIT_LOCKED
            return
        except OSError as exc:
            fail(f"cannot create the crawl lock in STATE_DIR {self.settings.get('STATE_DIR')} ({exc}); make it writable")
            self.exitcode = EXIT_CONFIG
            return

        crawler = self._create_crawler(name)
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
            return
        self.exitcode = exit_code(crawler.stats.get_stats())
