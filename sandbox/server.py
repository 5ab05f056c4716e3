"""A real HTTP server on 127.0.0.1 that serves the finews site from the corpus (design §7).

Crawls reach it through ``MIRRORS``: the first path segment is the canonical host, so
``https://finews.withounder.com/category/kejiribao.html`` is fetched as
``<base_url>/finews.withounder.com/category/kejiribao.html``. Pages keep canonical absolute
links, exactly like the live site; only the fetch goes elsewhere.

Routing is a small table of ``Route(host, regex, handler)`` matched against the percent-decoded
path, so more pages can be added with :meth:`SandboxServer.add_route` without touching the request
handler. Every request is counted, so tests can assert what a crawl fetched (and that a re-run
fetched nothing new), including requests that :meth:`SandboxServer.add_fault` made fail.

Besides the finews site (``render_finews``) it serves the Eastmoney side of design §3 from the same
posts: the share host's NewsShare shell and JSON text/list APIs (``render_share``) and the public
article pages on ``finance.eastmoney.com`` / ``stock.eastmoney.com`` (``render_eastmoney``).
"""

from __future__ import annotations

import json
import re
import socket
import struct
import sys
import threading
import traceback
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Iterable, NamedTuple
from urllib.parse import parse_qs, unquote

from . import faults, render_eastmoney, render_finews, render_share
from .articles import Article, code_digits
from .corpus import Post, jekyll_escape_path, load_posts

FINEWS_HOST = "finews.withounder.com"
SHARE_HOST = "finews.zning.xyz"
EASTMONEY_HOST = "finance.eastmoney.com"
STOCK_HOST = "stock.eastmoney.com"  # some digest posts link their news page here
MIRRORED_HOSTS = (FINEWS_HOST, SHARE_HOST, EASTMONEY_HOST, STOCK_HOST)
CONTROL_PREFIX = "/__sandbox__/"

HTML = "text/html; charset=utf-8"
ATOM = "application/atom+xml; charset=utf-8"
JSON = "application/json; charset=utf-8"


@dataclass
class Response:
    """What a route answers. ``body`` is bytes so handlers can serve any encoding (e.g. GBK)."""

    status: int = 200
    body: bytes = b""
    content_type: str = HTML
    headers: dict[str, str] = field(default_factory=dict)
    reset: bool = False  # drop the connection with a TCP reset instead of answering
    content_length: int | None = None  # announce this length instead of the body's (faults lie)
    close: bool = False  # close the connection after the body, as a server dying mid-answer does


def html_response(text: str, status: int = 200) -> Response:
    return Response(status, text.encode("utf-8"), HTML)


#: handler(sandbox, match, query) -> Response, or None to pass (404 if no route answers). ``match`` is the route's regex
#: matched (fullmatch) against the decoded path below the host; ``query`` is the raw query string.
Handler = Callable[["SandboxServer", "re.Match[str]", str], "Response | None"]


class Route(NamedTuple):
    host: str
    pattern: re.Pattern
    handler: Handler
    cache: bool = True  # cache the response bytes until the posts change


class SiteIndex:
    """Lookups derived from the posts; rebuilt whenever a post is added."""

    def __init__(self, posts: list[Post]):
        self.posts = posts
        self.by_path = {unquote(p.url_path): p for p in posts}
        self.categories = render_finews.categories(posts)  # slug -> tag shown on its page
        self._articles: dict[str, Article] = {}
        self._columns: dict[str, list[Article]] = {}

    @cached_property
    def by_code(self) -> dict[str, Post]:
        return {p.info_code: p for p in self.posts}

    @cached_property
    def by_digits(self) -> dict[str, Post]:
        """18-digit Eastmoney code → post (share articles and digests)."""
        return {d: p for p in self.posts if (d := code_digits(p.info_code))}

    def article(self, post: Post) -> Article:
        article = self._articles.get(post.info_code)
        if article is None or article.post is not post:
            article = self._articles[post.info_code] = Article(post)
        return article

    def share_article(self, code: str) -> Article | None:
        post = self.by_code.get(code)
        article = self.article(post) if post else None
        return article if article and article.is_share else None

    def column(self, slug: str) -> list[Article]:
        """A category's Eastmoney articles, newest first by the true publish time (the one the API
        reports), which for offset-less digests is 8 hours before what the finews site shows."""
        if slug not in self._columns:
            own = [p for p in self.posts if p.category == slug and code_digits(p.info_code)]
            own.sort(key=lambda p: (p.show_time, p.info_code), reverse=True)
            self._columns[slug] = [self.article(p) for p in own]
        return self._columns[slug]


# --- finews routes ------------------------------------------------------------------------------


def _home(sandbox: SandboxServer, match, query) -> Response:
    return html_response(render_finews.render_home(sandbox.site.posts))


def _category(sandbox: SandboxServer, match, query) -> Response | None:
    site, slug = sandbox.site, match["slug"]
    if slug not in site.categories:
        return None
    return html_response(render_finews.render_category(slug, site.categories[slug], site.posts))


def _post(sandbox: SandboxServer, match, query) -> Response | None:
    post = sandbox.site.by_path.get(match.group(0))
    return html_response(render_finews.render_post(post)) if post else None


def _feed(sandbox: SandboxServer, match, query) -> Response:
    return Response(200, render_finews.render_feed(sandbox.site.posts).encode("utf-8"), ATOM)


# --- share host and Eastmoney routes ------------------------------------------------------------


def _param(query: str, name: str) -> str | None:
    values = parse_qs(query, keep_blank_values=True).get(name)
    return values[0] if values else None


def json_response(data, status: int = 200) -> Response:
    return Response(status, render_share.dumps(data), JSON)


def _share_page(sandbox: SandboxServer, match, query) -> Response | None:
    if sandbox.site.share_article(_param(query, "infoCode") or "") is None:
        return None
    return html_response(render_share.render_share_shell())


def _news_text(sandbox: SandboxServer, match, query) -> Response:
    code = _param(query, "id") or ""
    article = sandbox.site.share_article(code)
    return json_response(render_share.news_text(code, article, sandbox.share_api_variant))


def _news_list(sandbox: SandboxServer, match, query) -> Response:
    column = _param(query, "column") or ""
    articles = sandbox.site.column(column)
    return json_response(
        render_share.news_list(column, articles, _param(query, "page"), _param(query, "pageSize"))
    )


def _eastmoney_article(sandbox: SandboxServer, match, query) -> Response | None:
    post = sandbox.site.by_digits.get(match["digits"])
    if post is None:
        return None
    return html_response(render_eastmoney.render_article(sandbox.site.article(post)))


def _route(host: str, pattern: str, handler: Handler, cache: bool = True) -> Route:
    return Route(host, re.compile(pattern), handler, cache)


_EASTMONEY_ROUTES = [
    _route(host, pattern, _eastmoney_article)
    for host in (EASTMONEY_HOST, STOCK_HOST)
    for pattern in (r"/a/(?P<digits>\d{18})\.html", r"/news/(?P<col>\d+),(?P<digits>\d{18})\.html")
]


DEFAULT_ROUTES = [
    _route(FINEWS_HOST, r"/(?:index\.html)?", _home),
    _route(FINEWS_HOST, r"/feed\.xml", _feed),
    _route(FINEWS_HOST, r"/category/(?P<slug>[^/]+)\.html", _category),
    _route(FINEWS_HOST, r"/.+/\d{4}/\d{2}/\d{2}/[^/]+\.html", _post),
    _route(SHARE_HOST, r"/html_News/NewsShare\.html", _share_page),
    _route(SHARE_HOST, r"/NewsData/GetNewsText\.do", _news_text),
    _route(SHARE_HOST, r"/NewsData/GetNewsList\.do", _news_list),
    *_EASTMONEY_ROUTES,
]


def not_found(path: str) -> Response:
    body = (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>404 Not Found</title></head>'
        f"<body><h1>404 Not Found</h1><p>{escape(path)}</p></body></html>\n"
    )
    return html_response(body, 404)


# --- the server ---------------------------------------------------------------------------------


class SandboxServer:
    """The local finews site. ``start()`` serves it from a background thread.

    >>> with SandboxServer() as site:  # doctest: +SKIP
    ...     mirrors = site.mirrors()   # -> pass as the MIRRORS setting

    ``share_api_variant`` picks the text API's field: ``"mixed"`` (per article, as a fleet of
    old and new servers answers), ``"text"`` or ``"content"``. ``fault_delay`` is how long a
    ``"timeout"`` fault stalls before answering.
    """

    def __init__(
        self,
        corpus_dir=None,
        host: str = "127.0.0.1",
        port: int = 0,
        extra_posts: Iterable[Post] = (),
        include_corpus: bool = True,
        verbose: bool = False,
        share_api_variant: str = "mixed",
        fault_delay: float = 5.0,
        layout_drift: bool = False,
    ):
        self.host, self.port, self.verbose = host, port, verbose
        render_share.text_field("0", share_api_variant)  # reject a bad variant now, not per request
        self._share_api_variant = share_api_variant
        self.fault_delay = fault_delay
        self.faults = faults.FaultTable()
        self.stopping = threading.Event()  # set by stop(): wakes requests stalled by a fault
        self.routes: list[Route] = list(DEFAULT_ROUTES)
        self._lock = threading.RLock()
        self._posts: list[Post] = load_posts(corpus_dir) if include_corpus else []
        self._posts.extend(extra_posts)
        self._site: SiteIndex | None = None
        self._cache: dict[tuple[str, str, str], Response] = {}
        self._generation = 0  # bumped on every change, so a page rendered before it is not cached
        self._hits: Counter[tuple[str, str]] = Counter()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.layout_drift = False
        if layout_drift:  # post and article pages in a changed template (sandbox/render_drift.py)
            from . import render_drift

            render_drift.install(self)

    # lifecycle
    def start(self) -> SandboxServer:
        """Bind (port 0 = a free port) and serve from a daemon thread."""
        if self._httpd is None:
            self.stopping.clear()
            self._httpd = _HTTPServer((self.host, self.port), _RequestHandler)
            self._httpd.sandbox = self
            self.port = self._httpd.server_address[1]
            self._thread = threading.Thread(
                target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1},
                name=f"sandbox-{self.port}", daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self.stopping.set()
            self._httpd.shutdown()
            self._httpd.server_close()
            self._thread.join(timeout=5)
            self._httpd = self._thread = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # addresses
    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def mirrors(self) -> dict[str, str]:
        """The ``MIRRORS`` setting that sends every canonical host here."""
        return {h: f"{self.base_url}/{h}" for h in MIRRORED_HOSTS}

    # content
    @property
    def posts(self) -> list[Post]:
        with self._lock:
            return list(self._posts)

    def add_post(self, post: Post) -> None:
        """Publish a post (replacing one with the same info code); later requests see it."""
        with self._lock:
            self._posts = [p for p in self._posts if p.info_code != post.info_code] + [post]
            self._site = None
            self._cache.clear()
            self._generation += 1

    @property
    def site(self) -> SiteIndex:
        with self._lock:
            if self._site is None:
                self._site = SiteIndex(list(self._posts))
            return self._site

    @property
    def share_api_variant(self) -> str:
        return self._share_api_variant

    @share_api_variant.setter
    def share_api_variant(self, variant: str) -> None:
        render_share.text_field("0", variant)
        with self._lock:
            self._share_api_variant = variant
            self._cache.clear()
            self._generation += 1

    def add_fault(self, host: str | None, path_regex: str, kind: str, times: int | None = None) -> faults.Fault:
        """Make matching requests fail (see :mod:`sandbox.faults`); ``host=None`` means any host.

        Kinds: ``"404"``, ``"500"``, ``"502"``, ``"503"``, ``"timeout"`` (stall ``fault_delay``
        seconds, then answer normally), ``"reset"`` (drop the connection, no response),
        ``"truncated"`` (full Content-Length, half the body, close), ``"length_lie"`` (whole body,
        larger Content-Length, close), ``"redirect_loop"`` (302 to itself), ``"empty"`` (200, no
        body), ``"huge"`` (the page padded to 10 MB), ``"endless_listing"`` (next page forever,
        same links), ``"gbk[:header:meta]"`` (HTML re-encoded as GBK/GB18030, declaring the given
        charsets, ``none`` for no declaration). ``times=N`` fails only the first N matches.
        Returns the fault (``fired`` counts uses).
        """
        return self.faults.add(host, path_regex, kind, times)

    def clear_faults(self) -> None:
        self.faults.clear()

    def add_route(self, host: str, pattern: str, handler: Handler, cache: bool = True) -> None:
        """Add a route ahead of the existing ones (so it can also override or break a page)."""
        with self._lock:
            self.routes.insert(0, _route(host, pattern, handler, cache))
            self._cache.clear()
            self._generation += 1

    # request log
    def hits(self, host: str | None = None, prefix: str | None = None) -> int:
        """Requests so far to ``host`` (any if None) whose path+query starts with ``prefix``.

        Paths are logged percent-encoded the Jekyll way, so ``post.url_path`` and raw
        ``·`` in a prefix both match.
        """
        path, sep, query = (prefix or "").partition("?")
        prefix = _normal_path(path) + sep + query
        with self._lock:
            return sum(
                n for (h, p), n in self._hits.items()
                if (host is None or h == host) and p.startswith(prefix)
            )

    def hit_paths(self, host: str | None = None) -> list[str]:
        """Distinct requested paths (with query), in the order first requested."""
        with self._lock:
            return list(dict.fromkeys(p for (h, p) in self._hits if host is None or h == host))

    def hit_counts(self) -> list[dict]:
        with self._lock:
            return [{"host": h, "path": p, "count": n} for (h, p), n in self._hits.items()]

    def reset_hits(self) -> None:
        with self._lock:
            self._hits.clear()
            self.max_in_flight = self.in_flight

    # concurrency seen by the server: how a test proves a client's connection limits
    in_flight = 0
    max_in_flight = 0

    def _enter(self) -> None:
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def _leave(self) -> None:
        with self._lock:
            self.in_flight -= 1

    # request handling (called from server threads)
    def respond(self, target: str) -> Response:
        """Answer a request target such as ``/finews.withounder.com/category/x.html?y=1``."""
        path, _, query = target.partition("?")
        if path.startswith(CONTROL_PREFIX):
            return self._control(path[len(CONTROL_PREFIX):])
        host, _, rest = path.lstrip("/").partition("/")
        rest = "/" + rest
        logged = _normal_path(rest) + (f"?{query}" if query else "")
        with self._lock:
            self._hits[(host, logged)] += 1
        decoded = unquote(rest)
        fault = self.faults.take(host, decoded, query)
        if fault is not None:
            normal = lambda other=None: self._answer(host, decoded, query if other is None else other, path)  # noqa: E731
            return faults.apply(fault, self, normal, faults.Request(host, path, query))
        return self._answer(host, decoded, query, path)

    def _answer(self, host: str, decoded: str, query: str, path: str) -> Response:
        key = (host, decoded, query)
        with self._lock:
            if key in self._cache:
                return self._cache[key]
            routes, generation = list(self.routes), self._generation
        for route in routes:
            match = route.pattern.fullmatch(decoded) if route.host == host else None
            if match is None:
                continue
            response = route.handler(self, match, query)
            if response is None:  # not this route's page after all: let a later route try
                continue
            if route.cache:
                with self._lock:
                    if generation == self._generation:
                        self._cache[key] = response
            return response
        return not_found(path)

    def _control(self, name: str) -> Response:
        if name == "hits":
            data = {"total": self.hits(), "hits": self.hit_counts()}
            return Response(200, json.dumps(data, ensure_ascii=False).encode("utf-8"), JSON)
        return not_found(CONTROL_PREFIX + name)


def _normal_path(path: str) -> str:
    return jekyll_escape_path(unquote(path))


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    sandbox: SandboxServer

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._resets: set[int] = set()
        self._resets_lock = threading.Lock()

    def mark_reset(self, request: socket.socket) -> None:
        with self._resets_lock:
            self._resets.add(id(request))

    def shutdown_request(self, request) -> None:
        with self._resets_lock:
            reset = id(request) in self._resets
            self._resets.discard(id(request))
        if reset:
            self.close_request(request)  # no half-close: the linger-0 close sends the RST
        else:
            super().shutdown_request(request)


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive; every response carries Content-Length
    server_version = "finews-sandbox/1"
    timeout = 30  # close idle keep-alive connections instead of holding a thread forever
    # Headers and body leave in two writes; with Nagle on, the second waits for the client's
    # delayed ACK (40 ms on Linux), which capped a keep-alive connection at ~25 answers a second.
    disable_nagle_algorithm = True
    server: _HTTPServer

    def do_GET(self):
        self._serve(send_body=True)

    def do_HEAD(self):
        self._serve(send_body=False)

    def _serve(self, send_body: bool) -> None:
        # http.server decodes the request line as Latin-1; undo that so a raw UTF-8 path
        # (``/category/a·b.html`` sent unencoded) reaches the routes as the same text.
        target = self.path.encode("latin-1").decode("utf-8", "replace")
        self.server.sandbox._enter()
        try:
            response = self.server.sandbox.respond(target)
        except Exception:  # a broken handler must show up in test output, not hang the client
            traceback.print_exc(file=sys.stderr)
            response = html_response("<h1>500 Internal Server Error</h1>\n", 500)
        finally:
            self.server.sandbox._leave()
        if response.reset:
            self._reset()
            return
        try:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            length = len(response.body) if response.content_length is None else response.content_length
            self.send_header("Content-Length", str(length))
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.end_headers()
            if send_body:
                self.wfile.write(response.body)
            if response.close:
                self.close_connection = True
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (e.g. a timeout fault)
            self.close_connection = True

    def _reset(self) -> None:
        """Drop the connection with a TCP reset, the way a crashed peer or a middlebox does.

        Linger 0 turns the close into an RST; the server then skips its usual half-close (which
        would send a FIN first and look like a clean end of stream to the client).
        """
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            return
        self.server.mark_reset(self.connection)

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format, *args):
        if self.server.sandbox.verbose:
            super().log_message(format, *args)
