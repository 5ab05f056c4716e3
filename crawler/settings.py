"""Scrapy settings for finews-crawler.

Every knob an operator may turn is a named setting here, overridable with ``-s NAME=value``.
The README lists each one with its meaning; keep the two in step.
"""

BOT_NAME = "finews"

SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
COMMANDS_MODULE = "crawler.commands"

# --- where things go (design §6) -------------------------------------------------------------
#: Root of the Jekyll site the posts go into (``_posts/``, ``old_post/``, ``category/``).
SITE_DIR = "exports/site"
#: Persistent crawl state: the article store (seen info codes, fingerprints).
STATE_DIR = "exports/state"
#: Canonical host → base URL actually requested, e.g.
#: ``{"finews.withounder.com": "http://127.0.0.1:8765/finews.withounder.com"}``.
#: Items, posts and feeds keep the canonical URLs.
MIRRORS = {}

#: Default feed: one JSON Lines file per spider and run. Timestamps keep the time zone
#: because ArticleItem serialises datetimes as ISO 8601 itself.
FEEDS = {
    "exports/feeds/%(name)s/%(name)s-%(time)s.jsonl": {
        "format": "jsonlines",
        "encoding": "utf8",
        "store_empty": False,
    },
}

# --- incremental crawling ---------------------------------------------------------------------
#: Skip article requests whose info code is already stored (re-runs cost one listing fetch).
INCREMENTAL_ENABLED = True

# --- the post writer --------------------------------------------------------------------------
#: Host the return links at the bottom of each post point to (protocol-relative, as the live site).
POSTS_SITE_HOST = "finews.withounder.com"

# --- politeness and throughput ----------------------------------------------------------------
ROBOTSTXT_OBEY = False
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 8
DOWNLOAD_TIMEOUT = 30
RETRY_TIMES = 2
USER_AGENT = "finews-crawler/0.1 (+https://finews.withounder.com/)"
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"

SPIDER_MIDDLEWARES = {
    "crawler.middlewares.incremental.IncrementalMiddleware": 550,
}

DOWNLOADER_MIDDLEWARES = {
    # Early in process_request (after nothing), last in process_response: the rest of the stack
    # (retries, redirects) works on the mirror URL; the spider sees the canonical one.
    "crawler.middlewares.mirrors.MirrorsMiddleware": 50,
}

ITEM_PIPELINES = {
    "pipelines.validate.ValidatePipeline": 100,
    "pipelines.sanitize.SanitizePipeline": 200,
    "pipelines.dedupe.DedupePipeline": 300,
    "pipelines.posts.PostWriterPipeline": 400,
}

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"

#: Write the final crawl stats as JSON here (``%(name)s`` = spider name); empty = off.
STATS_FILE = ""

EXTENSIONS = {
    "crawler.extensions.stats_file.StatsFile": 500,
}
