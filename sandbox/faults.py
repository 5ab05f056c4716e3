"""Fault injection for the sandbox (design §7): make chosen requests fail the way real sites do.

A fault is ``(host, path regex, kind, times)``. The regex is matched from the start of the
percent-decoded path below the host, followed by ``?query`` when the request has one, so
``r"/NewsData/GetNewsText\\.do"`` hits every text-API call and ``r"/a/\\d+\\.html$"`` only article
pages without a query. ``times=N`` fails the first N matching requests and then lets them
through, which is how a flapping server looks to a crawler's retry logic. The first matching
fault with uses left wins.

Kinds live in :data:`KINDS`, one small function each: it gets the sandbox, a callable producing
the normal answer (optionally for another query string, which is how an endless listing repeats
its first page) and the request, and returns what to send instead. A kind that takes arguments is
written ``name:arg:arg`` (``"gbk:utf-8:none"``); its arguments are checked when the fault is added,
so a typo fails the test that wrote it rather than a request. Every kind is documented, with the
crawler's observed behaviour, in ``docs/bad-input.md``.
"""

from __future__ import annotations

import codecs
import dataclasses
import json
import re
import threading
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING, Callable, NamedTuple
from urllib.parse import parse_qsl, quote, urlencode

if TYPE_CHECKING:  # the server imports this module
    from .server import Response, SandboxServer


class Request(NamedTuple):
    """What a kind may need to know about the request it spoils."""

    host: str
    path: str  # as sent, below the server root, host prefix included: what a Location header needs
    query: str


Normal = Callable[..., "Response"]  # normal(query=None): the answer the page would have given
Kind = Callable[["SandboxServer", Normal, Request], "Response"]

#: Size of a ``"huge"`` page: large enough that a crawler holding several in memory notices.
HUGE_BYTES = 10 * 1024 * 1024
_HTML = "text/html"


def _status(code: int) -> Kind:
    def fail(sandbox, normal, request):
        from .server import html_response

        phrase = HTTPStatus(code).phrase
        return html_response(f"<html><body><h1>{code} {phrase}</h1></body></html>\n", code)

    return fail


def _timeout(sandbox, normal, request):
    # Waits on the server's stop event, so stopping the sandbox does not hang on sleeping faults.
    sandbox.stopping.wait(sandbox.fault_delay)
    return normal()


def _reset(sandbox, normal, request):
    from .server import Response

    return Response(reset=True)


def _truncated(sandbox, normal, request):
    # The length a complete answer would have, then half of the bytes and a clean close: what a
    # proxy or server killed mid-transfer leaves. Only the declared length shows the loss.
    answer = normal()
    return dataclasses.replace(
        answer, body=answer.body[: len(answer.body) // 2], content_length=len(answer.body), close=True
    )


def _length_lie(sandbox, normal, request):
    # All of the body, but a Content-Length promising more, then a close: a miscounting server.
    answer = normal()
    return dataclasses.replace(answer, content_length=len(answer.body) + 4096, close=True)


def _redirect_loop(sandbox, normal, request):
    from .server import Response

    target = request.path + (f"?{request.query}" if request.query else "")
    location = quote(target, safe="/:@!$&'()*+,;=-._~?%")  # the header must be ASCII
    body = f"<html><body><h1>302 Found</h1><a href=\"{location}\">here</a></body></html>\n"
    return Response(302, body.encode("ascii"), "text/html; charset=utf-8", {"Location": location})


def _empty(sandbox, normal, request):
    from .server import Response

    return Response(200, b"", "text/html; charset=utf-8")


def _huge(sandbox, normal, request):
    # The real page with a comment (HTML) or whitespace (anything else) filling it to HUGE_BYTES:
    # the article is still there, so the observable question is what the size alone does.
    answer = normal()
    missing = max(0, HUGE_BYTES - len(answer.body))
    if answer.content_type.startswith(_HTML) and b"</body>" in answer.body:
        filler = b"<!--" + b"x" * max(0, missing - 8) + b"-->\n"
        body = answer.body.replace(b"</body>", filler + b"</body>", 1)
    else:
        body = answer.body + b" " * missing
    return dataclasses.replace(answer, body=body)


def _endless_listing(sandbox, normal, request):
    """A listing whose next page always exists and always lists the same articles.

    JSON list APIs answer every ``page=N`` with page 1's records and a ``total`` one page beyond
    N. HTML pages get a ``rel="next"`` link to ``?page=N+1`` (the finews site itself never pages).
    """
    from .server import html_response, json_response

    query = dict(parse_qsl(request.query, keep_blank_values=True))
    key = next((k for k in query if k.lower() in ("page", "pageindex")), "page")
    try:
        page = max(1, int(query.get(key) or 1))
    except ValueError:
        page = 1
    first = normal(urlencode({**query, key: "1"}))
    if "json" in first.content_type:
        data = json.loads(first.body.decode("utf-8"))
        size = int(data.get("pageSize") or len(data.get("list") or []) or 1)
        data.update(page=page, total=(page + 1) * size)
        return json_response(data)
    answer = normal()
    if not answer.content_type.startswith(_HTML):
        return answer
    link = f'<p><a rel="next" href="?{urlencode({**query, key: str(page + 1)})}">下一页</a></p>\n'
    return html_response(answer.body.decode("utf-8").replace("</section>", link + "</section>", 1), answer.status)


_META_CHARSET = re.compile(r"""<meta\s+charset\s*=\s*["']?[\w-]+["']?\s*/?>\s*""", re.I)


def _gbk(header: str = "gbk", meta: str | None = None) -> Kind:
    """An HTML page re-encoded as GB18030 (GBK bytes for every GBK character), declaring
    ``header`` in Content-Type and ``meta`` in ``<meta charset>``; ``none`` declares nothing.

    ``gbk`` alone declares gbk in both places; ``gbk:utf-8:utf-8`` is the common misconfiguration
    (a server default), ``gbk:none:none`` a page that says nothing, ``gbk:utf-8:gbk`` a header
    that contradicts the page.
    """
    meta = header if meta is None else meta
    for name in (header, meta):
        if name != "none":
            codecs.lookup(name)  # LookupError: a typo in the fault, not a runtime surprise

    def reencode(sandbox, normal, request):
        answer = normal()
        if not answer.content_type.startswith(_HTML):
            return answer  # JSON and feeds stay UTF-8: the fault is about HTML charset sniffing
        text = _META_CHARSET.sub("", answer.body.decode("utf-8"))
        if meta != "none":
            text = re.sub(r"<head>\s*", f'<head>\n<meta charset="{meta}">\n', text, count=1, flags=re.I)
        content_type = _HTML if header == "none" else f"{_HTML}; charset={header}"
        return dataclasses.replace(answer, body=text.encode("gb18030"), content_type=content_type)

    return reencode


KINDS: dict[str, Kind] = {
    "404": _status(404),
    "500": _status(500),
    "502": _status(502),
    "503": _status(503),
    "timeout": _timeout,
    "reset": _reset,
    "truncated": _truncated,
    "length_lie": _length_lie,
    "redirect_loop": _redirect_loop,
    "empty": _empty,
    "huge": _huge,
    "endless_listing": _endless_listing,
}

#: Kinds written ``name:arg:…``: a factory that checks the arguments and returns the kind.
PARAMETRISED: dict[str, Callable[..., Kind]] = {
    "gbk": _gbk,
}


def resolve(kind: str) -> Kind:
    """The function behind a kind name; ValueError for an unknown kind or bad arguments."""
    if kind in KINDS:
        return KINDS[kind]
    name, *args = kind.split(":")
    if name not in PARAMETRISED:
        known = [*KINDS, *(f"{k}[:…]" for k in PARAMETRISED)]
        raise ValueError(f"unknown fault kind {kind!r}; known: {', '.join(known)}")
    try:
        return PARAMETRISED[name](*args)
    except (TypeError, LookupError) as exc:
        raise ValueError(f"bad fault kind {kind!r}: {exc}") from None


@dataclass
class Fault:
    host: str | None  # None: any host
    pattern: re.Pattern
    kind: str
    times: int | None = None  # uses left; None: forever
    fired: int = 0
    action: Kind | None = field(default=None, repr=False, compare=False)

    def __post_init__(self):
        if self.action is None:
            self.action = resolve(self.kind)

    def matches(self, host: str, target: str) -> bool:
        return (self.host is None or self.host == host) and self.pattern.match(target) is not None


class FaultTable:
    """The faults of one server; safe to change while requests are being served."""

    def __init__(self):
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, host: str | None, path_regex: str, kind: str, times: int | None = None) -> Fault:
        action = resolve(kind)
        if times is not None and times < 0:
            raise ValueError("times must be None or >= 0")
        fault = Fault(host, re.compile(path_regex), kind, times, action=action)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._faults)

    def take(self, host: str, path: str, query: str) -> Fault | None:
        """The fault this request triggers (using up one of its times), or None."""
        target = path + (f"?{query}" if query else "")
        with self._lock:
            for fault in self._faults:
                if fault.times == 0 or not fault.matches(host, target):
                    continue
                if fault.times is not None:
                    fault.times -= 1
                fault.fired += 1
                return fault
        return None


def apply(fault: Fault, sandbox: SandboxServer, normal: Normal, request: Request | None = None) -> Response:
    return fault.action(sandbox, normal, request or Request("", "/", ""))
