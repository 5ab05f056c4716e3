"""Hand listed article links to Scrapy's scheduler a batch at a time instead of all at once.

A finews category page lists every article of its outlet on one page (the site does not
paginate), so a listing can name 100,000 articles. Yielding a Request for each puts them all in
the scheduler's memory queue at once — about 2 KB apiece with headers, meta and callbacks, the
largest thing in the process at that size. A feed keeps the links waiting as plain text, one
``"\\n"``-joined string per batch (about 100 bytes a link), and turns a batch into Requests only
when the scheduler has run dry (Scrapy's ``scheduler_empty`` signal): the scheduler never holds
more than one batch of them, and the crawl goes as fast as before, since a batch is handed over
the moment the scheduler has nothing else to give the downloader.

Requests handed over this way go to the engine directly (``engine.crawl``), not through the
spider middlewares, so whatever those would do to an article request is done before a link is
queued: the spider checks the incremental store when it reads the listing (see ``base``).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable

from scrapy import Request, signals
from scrapy.exceptions import DontCloseSpider

#: Default of the ``LISTING_FEED_BATCH`` setting.
DEFAULT_BATCH = 1000


class LinkFeed:
    """Links waiting for the scheduler; ``to_requests`` turns one batch of them into Requests.

    A link is one line of text (no ``"\\n"`` in it): what it means is up to ``to_requests``.
    ``batch`` ≤ 0 hands every link over at the first chance (no bound, as a plain yield would).
    """

    def __init__(self, crawler, to_requests: Callable[[list[str]], Iterable[Request]], *, batch: int = DEFAULT_BATCH):
        self.crawler = crawler
        self.to_requests = to_requests
        self.batch = batch
        self._chunks: deque[str] = deque()
        self._pending = 0
        crawler.signals.connect(self._scheduler_empty, signal=signals.scheduler_empty)
        crawler.signals.connect(self._spider_idle, signal=signals.spider_idle)

    @classmethod
    def from_settings(cls, crawler, to_requests, name: str = "LISTING_FEED_BATCH") -> LinkFeed:
        return cls(crawler, to_requests, batch=crawler.settings.getint(name, DEFAULT_BATCH))

    def __len__(self) -> int:
        """Links not yet handed to the scheduler."""
        return self._pending

    def add(self, links: Iterable[str]) -> None:
        size = self.batch if self.batch > 0 else None
        chunk: list[str] = []
        for link in links:
            chunk.append(link)
            if size and len(chunk) >= size:
                self._push(chunk)
                chunk = []
        if chunk:
            self._push(chunk)
        stats = self.crawler.stats
        stats.max_value("listing/feed_pending_max", self._pending)

    def _push(self, chunk: list[str]) -> None:
        self._chunks.append("\n".join(chunk))
        self._pending += len(chunk)

    def feed(self) -> int:
        """Hand the next batch to the engine; how many links it held (0: nothing was waiting)."""
        if not self._chunks or self.crawler.engine is None or self.crawler.engine.spider is None:
            return 0
        links = self._chunks.popleft().split("\n")
        self._pending -= len(links)
        engine = self.crawler.engine
        for request in self.to_requests(links):
            engine.crawl(request)
        self.crawler.stats.inc_value("listing/feed_batches")
        return len(links)

    def _scheduler_empty(self) -> None:
        self.feed()

    def _spider_idle(self, spider) -> None:
        # The scheduler_empty signal hands batches over as the crawl runs; this is the safety net
        # for a spider that would otherwise close with links still waiting.
        if self.feed():
            raise DontCloseSpider
