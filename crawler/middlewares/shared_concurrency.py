"""Concurrency limits shared by every crawler in the process (``scrapy crawlall``).

Each Scrapy crawler has its own downloader and therefore its own ``CONCURRENT_REQUESTS``; forty
outlet spiders in one process would otherwise open forty times the connections to the one
finews host. This middleware holds a process-wide semaphore in total and per host, taken before
a request is downloaded and given back when its response or error comes back.

It sits after ``MirrorsMiddleware`` so it sees the request that is really sent (a request that a
mirror replaces is never downloaded itself and must not hold a permit).
"""

from __future__ import annotations

import asyncio
import itertools
from urllib.parse import urlsplit

from scrapy.exceptions import NotConfigured

_KEY = "_shared_concurrency_token"
_tokens = itertools.count(1)
_limits: dict[tuple, asyncio.Semaphore] = {}


def _semaphore(key: tuple, size: int) -> asyncio.Semaphore:
    if key not in _limits:
        _limits[key] = asyncio.Semaphore(size)
    return _limits[key]


class SharedConcurrencyMiddleware:
    def __init__(self, total: int, per_host: int, stats):
        self.total, self.per_host, self.stats = total, per_host, stats
        self._held: dict[int, str] = {}

    @classmethod
    def from_crawler(cls, crawler):
        s = crawler.settings
        if not s.getbool("SHARED_CONCURRENCY_ENABLED"):
            raise NotConfigured
        return cls(s.getint("SHARED_CONCURRENT_REQUESTS", 32), s.getint("SHARED_CONCURRENT_REQUESTS_PER_HOST", 8), crawler.stats)

    async def process_request(self, request, spider=None):
        token = request.meta.get(_KEY)
        if token in self._held:  # already holding (a middleware re-entered)
            return None
        host = urlsplit(request.url).netloc
        total = _semaphore(("total",), self.total)
        per_host = _semaphore(("host", host), self.per_host)
        if total.locked() or per_host.locked():
            self.stats.inc_value("shared_concurrency/waited")
        await total.acquire()
        await per_host.acquire()
        token = next(_tokens)
        request.meta[_KEY] = token  # retries copy meta; an unknown token means "not held"
        self._held[token] = host
        return None

    def _release(self, request):
        host = self._held.pop(request.meta.get(_KEY), None)
        if host is not None:
            _semaphore(("host", host), self.per_host).release()
            _semaphore(("total",), self.total).release()

    def process_response(self, request, response, spider=None):
        self._release(request)
        return response

    def process_exception(self, request, exception, spider=None):
        self._release(request)
        return None
