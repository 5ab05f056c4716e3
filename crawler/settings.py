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

#: Default feeds: one JSON Lines and one CSV file per spider and run (schema:
#: ``exports/article.schema.json``). Timestamps keep their offset: ArticleItem serialises
#: datetimes as ISO 8601 itself.
FEEDS = {
    "exports/feeds/%(name)s/%(name)s-%(time)s.jsonl": {"format": "jsonlines", "encoding": "utf8", "store_empty": False},
    "exports/feeds/%(name)s/%(name)s-%(time)s.csv": {"format": "csv", "encoding": "utf8", "store_empty": False},
}
FEED_EXPORTERS = {"csv": "crawler.exporters.JsonListsCsvItemExporter"}

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
    # After the mirror rewrite: only requests really sent hold a permit (see the module).
    "crawler.middlewares.shared_concurrency.SharedConcurrencyMiddleware": 60,
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

# --- outlets and listings ---------------------------------------------------------------------
#: One spider per outlet of this registry; empty = the packaged ``crawler/sources.yaml``.
SPIDER_LOADER_CLASS = "crawler.spiders.loader.SourcesSpiderLoader"
SOURCES_FILE = ""
#: Stop paging a listing once this many consecutive listed articles are already stored (0 = never).
LISTING_STOP_AFTER_KNOWN = 10
#: Never follow more pages than this on one listing (a listing that links to itself forever).
LISTING_MAX_PAGES = 50
#: After a post page, ask the share host's JSON text API for the upstream text (the post page is
#: the fallback when the API is down).
FOLLOW_SHARE_LINKS = True
#: The rolling-news list API the ``emnews`` spider reads (paged with ``page``/``pageSize``).
EMNEWS_LIST_URL = "http://finews.zning.xyz/NewsData/GetNewsList.do?column=emnews&page=1&pageSize=20"

# --- site upkeep (crawler/upkeep.py; `scrapy upkeep`) ------------------------------------------
#: Posts dated more than this many days ago (Asia/Shanghai) move from ``_posts/`` to ``old_post/``;
#: 0 or negative = never archive.
UPKEEP_ARCHIVE_DAYS = 30
#: Run upkeep (archive + category pages) when a crawl finishes; counts go to the ``upkeep/*`` stats.
UPKEEP_ON_CLOSE = False
#: 450, before StatsFile (500): spider_closed handlers run in extension order, and the
#: upkeep/* counts must be in the stats before StatsFile writes them out.
EXTENSIONS["crawler.extensions.upkeep.UpkeepExtension"] = 450

# --- one process for many spiders (scrapy crawlall) ------------------------------------------
#: Process-wide limits shared by all crawlers; ``crawlall`` turns them on.
SHARED_CONCURRENCY_ENABLED = False
SHARED_CONCURRENT_REQUESTS = 32
SHARED_CONCURRENT_REQUESTS_PER_HOST = 8

# --- syndicated copies (pipelines/near_duplicates.py) -----------------------------------------
#: What to do with an article whose body is a near-duplicate of one already written under another
#: info code: "record" (write it, set ``duplicate_of``), "drop" (do not write it) or "off".
NEAR_DUPLICATE_POLICY = "record"
#: Largest SimHash distance, in bits of 64, still taken for a copy. Measured on the corpus: copies
#: with another lead line and source are 0-5 bits away, different articles 14 or more.
NEAR_DUPLICATE_MAX_DISTANCE = 4
#: Bodies shorter than this (characters of visible text) are not checked: too few shingles.
NEAR_DUPLICATE_MIN_CHARS = 50
#: Between exact dedupe (300) and the post writer (400).
ITEM_PIPELINES["pipelines.near_duplicates.NearDuplicatePipeline"] = 350
