"""Fault injection for the sandbox (design §7): make chosen requests fail the way real sites do.

A fault is ``(host, path regex, kind, times)``. The regex is matched from the start of the
percent-decoded path below the host, followed by ``?query`` when the request has one, so
``r"/NewsData/GetNewsText\\.do"`` hits every text-API call and ``r"/a/\\d+\\.html$"`` only article
pages without a query. ``times=N`` fails the first N matching requests and then lets them
through, which is how a flapping server looks to a crawler's retry logic. The first matching
fault with uses left wins.

Kinds live in :data:`KINDS`, one small function each, so adding one (truncated or GBK bodies,
redirect loops, huge pages…) is one entry: it gets the sandbox and a callable producing the
normal answer, and returns what to send instead.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:  # the server imports this module
    from .server import Response, SandboxServer

Normal = Callable[[], "Response"]
Kind = Callable[["SandboxServer", Normal], "Response"]


def _status(code: int) -> Kind:
    def fail(sandbox, normal):
        from .server import html_response

        phrase = HTTPStatus(code).phrase
        return html_response(f"<html><body><h1>{code} {phrase}</h1></body></html>\n", code)

    return fail


def _timeout(sandbox, normal):
    # Waits on the server's stop event, so stopping the sandbox does not hang on sleeping faults.
    sandbox.stopping.wait(sandbox.fault_delay)
    return normal()


def _reset(sandbox, normal):
    from .server import Response

    return Response(reset=True)


KINDS: dict[str, Kind] = {
    "404": _status(404),
    "500": _status(500),
    "502": _status(502),
    "503": _status(503),
    "timeout": _timeout,
    "reset": _reset,
}


@dataclass
class Fault:
    host: str | None  # None: any host
    pattern: re.Pattern
    kind: str
    times: int | None = None  # uses left; None: forever
    fired: int = 0

    def matches(self, host: str, target: str) -> bool:
        return (self.host is None or self.host == host) and self.pattern.match(target) is not None


class FaultTable:
    """The faults of one server; safe to change while requests are being served."""

    def __init__(self):
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, host: str | None, path_regex: str, kind: str, times: int | None = None) -> Fault:
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; known: {', '.join(KINDS)}")
        if times is not None and times < 0:
            raise ValueError("times must be None or >= 0")
        fault = Fault(host, re.compile(path_regex), kind, times)
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


def apply(fault: Fault, sandbox: SandboxServer, normal: Normal) -> Response:
    return KINDS[fault.kind](sandbox, normal)
