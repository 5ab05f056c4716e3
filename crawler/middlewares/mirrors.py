"""Send requests for a canonical host to a mirror, while everything downstream keeps canonical URLs.

The sandbox, a staging copy or a caching proxy can stand in for the live site without the spiders,
items, posts or feeds ever seeing its address: requests are rewritten on the way to the downloader
and responses are given their canonical URL back before they reach the spider. Deduplication and
incremental state therefore key on canonical URLs, whichever mirror served them.
"""

from __future__ import annotations

import json
import logging
from urllib.parse import urlsplit, urlunsplit

from scrapy import signals
from scrapy.exceptions import CloseSpider, IgnoreRequest, NotConfigured

logger = logging.getLogger(__name__)

_META_CANONICAL = "mirror_canonical_url"


class MirrorsConfigError(ValueError):
    """A MIRRORS value that cannot be used; the message says what to fix."""


def parse_mirrors(value) -> dict[str, tuple[str, str, str]]:
    """Normalise the MIRRORS setting to ``host → (scheme, netloc, path prefix)``.

    Accepts a dict or its JSON text (what ``-s MIRRORS='{…}'`` gives).
    """
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return {}
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise MirrorsConfigError(
                f"MIRRORS is not valid JSON ({exc.msg}); use e.g. "
                '-s MIRRORS=\'{"finews.withounder.com": "http://127.0.0.1:8765/finews.withounder.com"}\''
            ) from None
    if not isinstance(value, dict):
        raise MirrorsConfigError("MIRRORS must be a mapping of canonical host to base URL")
    result = {}
    for host, base in value.items():
        parts = urlsplit(str(base))
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise MirrorsConfigError(
                f"MIRRORS[{host!r}] = {base!r} is not an http(s) base URL such as http://127.0.0.1:8765"
            )
        result[str(host).lower()] = (parts.scheme, parts.netloc, parts.path.rstrip("/"))
    return result


class MirrorsMiddleware:
    def __init__(self, mirrors: dict[str, tuple[str, str, str]], stats=None):
        self.mirrors = mirrors
        self.stats = stats
        # mirror base (netloc + prefix) → canonical host, for responses that arrive on a mirror URL
        self._reverse = {(netloc, prefix): host for host, (_, netloc, prefix) in mirrors.items()}
        self._schemes: dict[str, str] = {}  # canonical host → scheme seen on its requests

    @classmethod
    def from_crawler(cls, crawler):
        try:
            mirrors = parse_mirrors(crawler.settings.get("MIRRORS") or {})
        except MirrorsConfigError as exc:
            # Not NotConfigured: a crawl meant for a mirror must never fall through to the live
            # site. `scrapy crawl` rejects the value before the engine starts; other runners
            # (Scrapyd) get one log line and the spider closed as `mirrors_invalid` while it opens.
            logger.error("%s", exc)
            return _RefuseAll(crawler)
        if not mirrors:
            raise NotConfigured
        return cls(mirrors, crawler.stats)

    def to_mirror(self, url: str) -> str | None:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        target = self.mirrors.get(host)
        if target is None:
            return None
        self._schemes.setdefault(host, parts.scheme)
        scheme, netloc, prefix = target
        return urlunsplit((scheme, netloc, prefix + (parts.path or "/"), parts.query, ""))

    def to_canonical(self, url: str) -> str | None:
        parts = urlsplit(url)
        for (netloc, prefix), host in self._reverse.items():
            if parts.netloc == netloc and (not prefix or parts.path == prefix or parts.path.startswith(prefix + "/")):
                path = parts.path[len(prefix):] or "/"
                scheme = self._schemes.get(host, "https")
                return urlunsplit((scheme, host, path, parts.query, parts.fragment))
        return None

    def process_request(self, request, spider=None):
        # Decided by the URL, not by meta: redirects copy meta, and a redirect may point back to
        # the canonical host (then it is mirrored again) or stay on the mirror (then it passes).
        mirrored = self.to_mirror(request.url)
        if mirrored is None:
            return None
        if self.stats:
            self.stats.inc_value("mirrors/rewritten")
        meta = dict(request.meta, **{_META_CANONICAL: (request.url, mirrored)})
        # dont_filter: the canonical URL already passed the dupefilter; this is the same request.
        return request.replace(url=mirrored, meta=meta, dont_filter=True)

    def process_response(self, request, response, spider=None):
        canonical, mirrored = request.meta.get(_META_CANONICAL, (None, None))
        if canonical is not None and response.url == mirrored:
            return response.replace(url=canonical)
        mapped = self.to_canonical(response.url)
        return response.replace(url=mapped) if mapped else response


class _RefuseAll:
    """Stand-in for a middleware whose MIRRORS value is unusable: nothing goes on the wire."""

    REASON = "mirrors_invalid"

    def __init__(self, crawler):
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    def spider_opened(self, spider):
        raise CloseSpider(self.REASON)

    def process_request(self, request, spider=None):
        raise IgnoreRequest(f"MIRRORS is invalid ({self.REASON})")
