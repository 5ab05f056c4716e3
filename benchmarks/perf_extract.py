"""Extraction cost per article page: our page parser against the bare lxml parse and trafilatura.

All three read the same bytes: post pages exactly as the sandbox serves them. The floor is
lxml's HTML parser turning the bytes into a tree and nothing else; no extractor can be cheaper,
so "our parser / floor" is the overhead of our selectors, cleaning and ItemLoader on top of it.
Each pass gets fresh ``HtmlResponse`` objects (a response caches its parsed tree, and a crawl
parses each page once), built outside the timer since Scrapy builds them for any spider.
Timings are the best of a few passes (the machine is shared): the least disturbed run is
the closest to what the code costs.
"""

from __future__ import annotations

import datetime as dt
import gc
import time

from lxml import etree
from scrapy.http import HtmlResponse

from crawler.dates import SHANGHAI
from crawler.loaders import load_article
from crawler.pages.finews import FinewsPostPage

_CRAWLED_AT = dt.datetime(2024, 1, 1, tzinfo=SHANGHAI)


def _best_pass(fn, pages, passes: int, prepare=None) -> float:
    """Best mean seconds per page over ``passes`` passes of ``fn`` on every page."""
    best = float("inf")
    for _ in range(passes):
        inputs = prepare(pages) if prepare else pages
        gc.collect()
        gc.disable()
        try:
            started = time.perf_counter()
            for x in inputs:
                fn(x)
            best = min(best, (time.perf_counter() - started) / len(pages))
        finally:
            gc.enable()
    return best


def _responses(pages):
    return [HtmlResponse(url=url, body=body, encoding="utf-8") for url, body in pages]


def lxml_floor(page) -> None:
    etree.fromstring(page[1], etree.HTMLParser())


def ours(response) -> None:
    load_article(FinewsPostPage(response), crawled_at=_CRAWLED_AT)


def measure(pages: list[tuple[str, bytes]], *, passes: int = 5, trafilatura_pages: int = 100) -> dict:
    """``pages``: (canonical URL, body bytes) of post pages. Returns ms per page and ratios."""
    if not pages:
        raise ValueError("no pages to measure")
    for response in _responses(pages[:5]):  # imports and lazy set-up are not per-page costs
        ours(response)
    floor = _best_pass(lxml_floor, pages, passes)
    own = _best_pass(ours, pages, passes, prepare=_responses)
    result = {
        "pages": len(pages),
        "mean_page_kb": round(sum(len(b) for _, b in pages) / len(pages) / 1024, 1),
        "lxml_ms": round(floor * 1000, 4),
        "ours_ms": round(own * 1000, 4),
        "ours_over_lxml": round(own / floor, 2),
    }
    try:
        import trafilatura
    except ImportError:
        result["trafilatura_ms"] = None
        result["trafilatura_over_ours"] = None
        result["note"] = "trafilatura not installed (pip install -e '.[bench]')"
        return result
    sample = pages[:trafilatura_pages]
    trafilatura.extract(sample[0][1], url=sample[0][0])

    def run_trafilatura(page):
        trafilatura.extract(page[1], url=page[0])

    traf = _best_pass(run_trafilatura, sample, max(1, passes // 2))
    result["trafilatura_pages"] = len(sample)
    result["trafilatura_ms"] = round(traf * 1000, 4)
    result["trafilatura_over_ours"] = round(traf / own, 1)
    return result
