"""The sandbox as a separate process, and a small concurrent HTTP client to warm and time it.

The server runs in its own process so its threads never compete with the crawler for the GIL:
on a 2-core machine the crawler gets one core, the server the other. Before any crawl is timed,
every page is fetched once (the sandbox renders a page on first request and caches the bytes),
so neither spider pays for rendering; the second pass over the same URLs is the server's own
throughput, which must stay well above what a crawl asks of it.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
FINEWS = "finews.withounder.com"
_POST_HREF = re.compile(rb'href="https?://finews\.withounder\.com(/[^"]+/\d{4}/\d\d/\d\d/[A-Za-z]{0,4}\d{6,24}\.html)"')
_SHARE_CODE = re.compile(rb'NewsShare\.html\?infoCode=([A-Za-z]{0,4}\d{6,24})')


class SandboxProcess:
    """``python -m sandbox --synthetic N`` on a free port; stopped (by its own pid) on exit."""

    def __init__(self, n: int, *, seed: int = 1, category: str = "kejiribao", corpus: str | None = None):
        self.n, self.seed, self.category, self.corpus = n, seed, category, corpus
        self.proc: subprocess.Popen | None = None
        self.base_url = ""
        self.mirrors: dict[str, str] = {}

    def __enter__(self) -> SandboxProcess:
        cmd = [sys.executable, "-m", "sandbox", "--port", "0", "--synthetic", str(self.n), "--seed", str(self.seed),
               "--synthetic-category", self.category]
        if self.corpus:
            cmd += ["--corpus", self.corpus]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        first = self.proc.stdout.readline()
        m = re.search(r"at (http://\S+)", first)
        second = self.proc.stdout.readline()
        if not m or "MIRRORS=" not in second:
            self.__exit__()
            raise RuntimeError(f"sandbox did not start: {first!r} {second!r}")
        self.base_url = m[1]
        self.mirrors = json.loads(second.split("MIRRORS=", 1)[1].strip().strip("'"))
        # Drain the rest of its output in the background so a full pipe never blocks the server.
        threading.Thread(target=self.proc.stdout.read, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None

    # --- what a crawl of the category fetches ---------------------------------------------------
    def listing_path(self) -> str:
        return f"/{FINEWS}/category/{self.category}.html"

    def pages(self, client: Client) -> dict[str, list[str]]:
        """Request paths of the listing, every post page and every share API call, as a crawl
        with share links followed would send them."""
        listing = self.listing_path()
        body = client.get(listing)
        posts = [f"/{FINEWS}{m[1].decode('utf-8')}" for m in _POST_HREF.finditer(body)]
        # Only each page's share code is kept: 100,000 post bodies would make this harness a 400 MB
        # process, for no purpose.
        codes = client.fetch_all(posts, keep=_share_code)
        api = [f"/finews.zning.xyz/NewsData/GetNewsText.do?id={code}" for code in codes if code]
        return {"listing": [listing], "posts": posts, "api": api}

    def hits(self, client: Client) -> dict[str, int]:
        """Requests the server has answered so far, by kind (listing, post page, share API)."""
        data = json.loads(client.get("/__sandbox__/hits"))
        counts = {"listing": 0, "posts": 0, "api": 0, "other": 0}
        for hit in data["hits"]:
            path = hit["path"]
            if hit["host"] == FINEWS and path.startswith("/category/"):
                kind = "listing"
            elif hit["host"] == FINEWS and re.search(r"/\d{4}/\d\d/\d\d/", path):
                kind = "posts"
            elif "GetNewsText.do" in path:
                kind = "api"
            else:
                kind = "other"
            counts[kind] += hit["count"]
        return counts


class Client:
    """Keep-alive GETs from a few threads, enough to find the server's ceiling on this machine."""

    def __init__(self, base_url: str, threads: int = 8):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.threads = threads

    def _conn(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.host, self.port, timeout=60)

    def get(self, path: str) -> bytes:
        conn = self._conn()
        try:
            return self._get(conn, path)
        finally:
            conn.close()

    @staticmethod
    def _get(conn: http.client.HTTPConnection, path: str) -> bytes:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"GET {path}: HTTP {response.status}")
        return body

    def fetch_all(self, paths: list[str], *, keep_bodies: bool = False, keep=None) -> list:
        """GET every path; the bodies (``keep_bodies``) or what ``keep(body)`` makes of each, in
        the order of ``paths``, or nothing."""
        if keep_bodies:
            keep = bytes
        results: list = [None] * len(paths) if keep else []
        lock, cursor, errors = threading.Lock(), [0], []

        def work():
            conn = self._conn()
            try:
                while True:
                    with lock:
                        i = cursor[0]
                        cursor[0] += 1
                    if i >= len(paths):
                        return
                    body = self._get(conn, paths[i])
                    if keep:
                        results[i] = keep(body)
            except Exception as exc:  # reported once, after the other threads finish
                errors.append(exc)
            finally:
                conn.close()

        workers = [threading.Thread(target=work) for _ in range(self.threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        if errors:
            raise errors[0]
        return results

    def timed(self, paths: list[str]) -> float:
        """Requests per second over ``paths``."""
        started = time.perf_counter()
        self.fetch_all(paths)
        return len(paths) / (time.perf_counter() - started)


def _share_code(body: bytes) -> str | None:
    m = _SHARE_CODE.search(body)
    return m[1].decode("ascii") if m else None
