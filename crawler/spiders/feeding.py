"""Hand listed article links to Scrapy's scheduler a batch at a time instead of all at once.

A finews category page lists every article of its outlet on one page (the site does not
paginate), so a listing can name 100,000 articles. Yielding a Request for each puts them all in
the scheduler's memory queue at once — a few kilobytes apiece with headers, meta and callbacks,
the largest thing in the process at that size. A feed keeps the links waiting as lines of text (about
100 bytes a link, in a temporary file once there are many), and turns a batch into Requests only
when the scheduler has run dry (Scrapy's ``scheduler_empty`` signal): the scheduler never holds
more than one batch of them, and the crawl goes as fast as before, since a batch is handed over
the moment the scheduler has nothing else to give the downloader.

Requests handed over this way go to the engine directly (``engine.crawl``), not through the
spider middlewares, so whatever those would do to an article request is done before a link is
queued: the spider checks the incremental store when it reads the listing (see ``base``).
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable, Iterable

from scrapy import Request, signals
from scrapy.exceptions import DontCloseSpider

#: Default of the ``LISTING_FEED_BATCH`` setting.
DEFAULT_BATCH = 1000


class LinkFeed:
    """Links waiting for the scheduler; ``to_requests`` turns one batch of them into Requests.

    A link is one line of text (no ``"\\n"`` in it): what it means is up to ``to_requests``.
    ``batch`` ≤ 0 hands every link over at the first chance (no bound, as a plain yield would).
    The lines wait in a spooled temporary file: in memory while they are few, on disk past
    ``SPOOL_BYTES``, so what a crawl holds does not grow with the size of its listings.
    """

    #: Bytes of waiting links kept in memory before they move to a temporary file.
    SPOOL_BYTES = 1 << 20

    def __init__(self, crawler, to_requests: Callable[[list[str]], Iterable[Request]], *, batch: int = DEFAULT_BATCH):
        self.crawler = crawler
        self.to_requests = to_requests
        self.batch = batch
        self._file = tempfile.SpooledTemporaryFile(max_size=self.SPOOL_BYTES, mode="w+b")
        self._read_at = 0
        self._pending = 0
        crawler.signals.connect(self._scheduler_empty, signal=signals.scheduler_empty)
        crawler.signals.connect(self._spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(self._spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_settings(cls, crawler, to_requests, name: str = "LISTING_FEED_BATCH") -> LinkFeed:
        return cls(crawler, to_requests, batch=crawler.settings.getint(name, DEFAULT_BATCH))

    def __len__(self) -> int:
        """Links not yet handed to the scheduler."""
        return self._pending

    def add(self, links: Iterable[str]) -> None:
        self._file.seek(0, io.SEEK_END)
        lines = []
        for link in links:
            lines.append(link)
            if len(lines) >= 1000:
                self._write(lines)
                lines = []
        self._write(lines)
        self.crawler.stats.max_value("listing/feed_pending_max", self._pending)

    def _write(self, lines: list[str]) -> None:
        if lines:
            self._file.write("".join(f"{line}\n" for line in lines).encode("utf-8"))
            self._pending += len(lines)

    def next_batch(self) -> list[str]:
        """The next ``batch`` waiting links, oldest first, taken off the feed."""
        if not self._pending:
            return []
        self._file.seek(self._read_at)
        size = self.batch if self.batch > 0 else self._pending
        lines = [self._file.readline().decode("utf-8").rstrip("\n") for _ in range(min(size, self._pending))]
        self._read_at = self._file.tell()
        self._pending -= len(lines)
        if not self._pending:  # all read: start the file over
            self._file.seek(0)
            self._file.truncate()
            self._read_at = 0
        return lines

    def feed(self) -> int:
        """Hand the next batch to the engine; how many links it held (0: nothing was waiting)."""
        engine = self.crawler.engine
        if not self._pending or engine is None or engine.spider is None:
            return 0
        lines = self.next_batch()
        for request in self.to_requests(lines):
            engine.crawl(request)
        self.crawler.stats.inc_value("listing/feed_batches")
        return len(lines)

    def _scheduler_empty(self) -> None:
        self.feed()

    def _spider_idle(self, spider) -> None:
        # The scheduler_empty signal hands batches over as the crawl runs; this is the safety net
        # for a spider that would otherwise close with links still waiting.
        if self.feed():
            raise DontCloseSpider

    def _spider_closed(self, spider, reason) -> None:
        if self._pending:
            self.crawler.stats.set_value("listing/feed_unfed", self._pending)
        self._file.close()
