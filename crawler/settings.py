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
FEED_EXPORTERS = {
    "csv": "crawler.exporters.JsonListsCsvItemExporter",
    "jsonlines": "crawler.exporters.ArticleJsonLinesItemExporter",
    "jsonl": "crawler.exporters.ArticleJsonLinesItemExporter",
}

# --- incremental crawling ---------------------------------------------------------------------
#: Skip article requests whose info code is already stored (re-runs cost one listing fetch).
INCREMENTAL_ENABLED = True
#: Memory map of the state store, in MB (pipelines/state.py). 0 (default): flat RSS whatever the
#: store's size, lookups still 78k-106k/s at 10M stored articles. A map makes lookups on very large
#: stores cheaper, but the pages a crawl touches count towards its RSS (~1 KB per article written).
STATE_MMAP_MB = 0

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
    # Scrapy's, in its place (580), minus a whole-body decode of big pages (see the module).
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.middlewares.meta_refresh.HeadOnlyMetaRefreshMiddleware": 580,
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
#: Article links of a listing reach Scrapy's scheduler this many at a time, the next batch when it
#: runs dry (crawler/spiders/feeding.py); the rest wait as text, on disk past 1 MB. A category page
#: can list 100,000 posts: the scheduler then holds 1,000 requests, not 100,000. 0 = no bound.
LISTING_FEED_BATCH = 1000
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

# --- crash safety and health for cron (crawler/extensions/lock.py, health.py; docs/operations.md) ---
#: One run per spider at a time (lock file STATE_DIR/locks/<spider>.lock). A second run waits up to
#: this many seconds for the first to finish, then exits with code 3; 0 = exit at once.
LOCK_WAIT_SECONDS = 0
#: A run in which more than this share of the processed article pages failed extraction (a field
#: the page should give is missing: a layout change) is unhealthy: `scrapy crawl` exits 1.
HEALTH_MAX_EXTRACTION_FAILURE_SHARE = 0.5
#: The lock first, before any other component touches the site or the store.
EXTENSIONS["crawler.extensions.lock.CrawlLock"] = 0
#: 490, before StatsFile (500): the health/* verdict must be in the stats it writes out.
EXTENSIONS["crawler.extensions.health.HealthCheck"] = 490

# --- bad input: wrong or missing charsets (crawler/middlewares/encoding.py; docs/bad-input.md) ---
#: Re-read HTML whose declared charset is wrong or missing (GBK/GB18030 served as utf-8 or with no
#: declaration) when the body decodes cleanly as GB18030 or UTF-8; counted in encoding/corrected/*.
ENCODING_CORRECTION_ENABLED = True
#: 90: after retries, redirects and decompression (their process_response runs first), before the
#: mirror rewrite (50) hands the response to the spider.
DOWNLOADER_MIDDLEWARES["crawler.middlewares.encoding.EncodingMiddleware"] = 90

# --- several machines, monitoring, run history (crawler/distributed, crawler/monitoring; docs/running.md) ---
#: Distributed mode: the Redis every worker shares (request queue, dupefilter, article store), e.g.
#: redis://10.0.0.5:6379/0. Empty = one process with the SQLite store, as always.
DISTRIBUTED_REDIS_URL = ""
#: Prefix of every Redis key, so one Redis can hold several independent deployments.
DISTRIBUTED_KEY_PREFIX = "finews"
#: A worker stops once the shared queue is empty and nothing is in flight anywhere for this long.
DISTRIBUTED_IDLE_BEFORE_CLOSE = 30
#: A worker that has not renewed its liveness key for this long is dead: its in-flight requests go
#: back to the queue and its claims may be taken over.
DISTRIBUTED_WORKER_TIMEOUT = 30
#: Safety TTL of a crawl round's dupefilter (seconds, renewed on use); the round's last worker
#: deletes it anyway, so memory never grows across rounds.
DISTRIBUTED_DUPEFILTER_TTL = 86400
#: How long one worker's claim on an article (while it writes the post) blocks the others at most.
DISTRIBUTED_CLAIM_TTL = 60
ADDONS = globals().get("ADDONS", {})
ADDONS["crawler.distributed.DistributedAddon"] = 100

#: Run history (crawler/extensions/history.py): one row per run in STATE_DIR/history.sqlite3 (or
#: this file); `scrapy report` renders it. Rows older than HISTORY_KEEP_DAYS are pruned.
HISTORY_ENABLED = True
HISTORY_FILE = ""
HISTORY_KEEP_DAYS = 90
#: Monitoring (Spidermon, crawler/monitoring): checks after every run; a failed one sets
#: monitor/failed in the stats (and the exit code), and is POSTed / mailed if configured.
MONITOR_ENABLED = True
#: Articles seen (new + already stored) must reach this share of the median of the last
#: MONITOR_HISTORY_RUNS finished runs (judged once MONITOR_HISTORY_MIN_RUNS exist).
MONITOR_ITEM_COUNT_MIN_RATIO = 0.5
MONITOR_HISTORY_RUNS = 10
MONITOR_HISTORY_MIN_RUNS = 3
MONITOR_MIN_ITEMS = 0
#: Minimum share of scraped items with each field (checked when the run scraped items).
MONITOR_FIELD_COVERAGE = {"title": 1.0, "date": 1.0, "body": 1.0, "source": 0.9}
#: Errors and retries per request sent; judged on runs of at least MONITOR_MIN_REQUESTS requests.
MONITOR_MAX_ERROR_RATE = 0.05
MONITOR_MAX_RETRY_RATE = 0.2
MONITOR_MIN_REQUESTS = 50
#: Finish reasons of a normal run (the CLOSESPIDER_* limits are the operator's own choice).
MONITOR_FINISH_REASONS = ["finished", "closespider_timeout", "closespider_itemcount", "closespider_pagecount"]
#: On a failed check: POST the verdict as JSON here, and/or mail it (Scrapy's MAIL_* settings).
MONITOR_WEBHOOK_URL = ""
MONITOR_WEBHOOK_TIMEOUT = 10
MONITOR_EMAIL_TO = []
SPIDERMON_ENABLED = True
SPIDERMON_SPIDER_CLOSE_MONITORS = ["crawler.monitoring.monitors.RunMonitorSuite"]
SPIDERMON_ADD_FIELD_COVERAGE = True
SPIDERMON_FIELD_COVERAGE_SKIP_FALSY = True
#: 460 and 470: after upkeep (450), before health (490) and StatsFile (500), so the monitor/* and
#: history/* stats are in the file; history after the monitor, so the row carries its verdict and
#: the monitor's baseline does not include the run it judges.
EXTENSIONS["crawler.monitoring.extension.Monitoring"] = 460
EXTENSIONS["crawler.extensions.history.HistoryExtension"] = 470

# --- layout drift: the generic parser as fallback (crawler/pages/drift.py) ---------------------
#: When a layout's selectors find no title or no body on an article page (the site changed its
#: template), re-parse the page with the generic parser (crawler/pages/generic.py), count it in
#: ``extraction/fallback/<layout>`` and log a WARNING naming the layout and the URL. False: only
#: report it (``extraction/no_fallback/<layout>``) and let validation drop the item.
EXTRACTION_FALLBACK = True

# --- throughput (benchmarks/perf.py; README "Performance") ------------------------------------
#: Scrapy starts this many asyncio tasks for *every* response to process its output in parallel
#: (default 100), which cost more CPU per page than our whole page parser. Our callbacks yield one
#: item or request each (a listing yields many requests, a digest list ~20 items), and items of
#: different responses already overlap (the post writer waits for the disk in a thread): 10
#: keeps the headroom.
CONCURRENT_ITEMS = 10
#: Scrapy re-reads and re-parses a generator callback's source on *every* call to warn about a
#: ``return value`` inside it (the cache misses for bound methods): 4 % of a crawl's CPU in the
#: profile. ``tests/unit/test_callbacks.py`` runs the same check once over every spider instead.
WARN_ON_GENERATOR_RETURN_VALUE = False
#: Scrapy 2.19's remote-control extension is on by default: an HTTP server in every crawl process
#: that runs Python code sent to it (token in a job file under the user's profile). A cron crawler
#: needs neither the open port nor the file: off, for the same reason as the telnet console above.
#: To debug a live crawl, ``-s REMOTE_CONTROL_ENABLED=True``.
REMOTE_CONTROL_ENABLED = False
