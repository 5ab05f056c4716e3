"""Cron learns from the exit code whether a run really worked (design §8): a layout change, a site
that only errors or empty listings exit 1 and name the pages and fields; a normal run and a re-run
with nothing new exit 0."""

import re

import pytest

from sandbox import SandboxServer, synthetic_posts
from sandbox.server import html_response
from tests.crawling import run_crawl

FINEWS = "finews.withounder.com"
SEED_URL = "https://finews.withounder.com/kejiribao/2022/01/11/NW202201112243997097.html"
#: A redesigned post page: rendered in the browser now, so no <section>, no <h1>, no text at all
#: (nothing for the generic fallback parser either).
REDESIGNED = (
    '<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>'
    '<div id="app"></div><script src="/static/app.js"></script></body></html>'
)


def redesigned(sandbox, match, query):
    return html_response(REDESIGNED)


def test_layout_change_exits_1_and_names_pages_and_fields(corpus_dir, tmp_path):
    with SandboxServer(corpus_dir=corpus_dir) as server:
        server.add_route(FINEWS, r"/kejiribao/\d{4}/\d\d/\d\d/[^/]+\.html", redesigned)
        result = run_crawl("kejiribao", sandbox=server, workdir=tmp_path)
    assert result.returncode == 1, result.log[-3000:]
    assert result.posts() == {}
    stats = result.stats  # read back from STATS_FILE
    assert stats["health/status"] == "extraction_failed"
    assert (stats["health/extraction_attempts"], stats["health/extraction_failures"]) == (1, 1)
    [page] = stats["health/failed_pages"]
    assert "finews_post" in page.pop("layout")  # possibly as the generic parser's fallback
    assert page == {"url": SEED_URL, "reason": "missing_title", "fields": ["title", "body", "date"]}
    assert stats["validate/dropped/missing_title"] == 1
    assert (
        "health: extraction failed on 1 of 1 article pages (100% > 50%, HEALTH_MAX_EXTRACTION_FAILURE_SHARE); "
        "missing fields: body (1), date (1), title (1)"
    ) in result.log
    assert re.search(
        rf"health: failed page {re.escape(SEED_URL)} \(layout [^)]*finews_post\)+: missing_title; missing: title, body, date$",
        result.log, re.M,
    ), result.log[-3000:]


def test_normal_crawl_and_rerun_with_nothing_new_exit_0(sandbox, tmp_path):
    first = run_crawl("kejiribao", sandbox=sandbox, workdir=tmp_path)
    assert first.returncode == 0, first.log[-3000:]
    assert first.stats["health/status"] == "ok"
    assert (first.stats["health/extraction_attempts"], first.stats["health/extraction_failures"]) == (1, 0)

    sandbox.reset_hits()
    again = run_crawl("kejiribao", sandbox=sandbox, workdir=tmp_path)
    assert again.returncode == 0, again.log[-3000:]
    assert sandbox.hits(host=FINEWS, prefix="/kejiribao/") == 0  # only the listing was fetched
    assert again.stats["health/status"] == "ok"
    assert again.stats["health/extraction_attempts"] == 0 and again.stats.get("item_scraped_count", 0) == 0


def test_only_errors_exits_1(corpus_dir, tmp_path):
    with SandboxServer(corpus_dir=corpus_dir) as server:
        server.add_fault(None, r"/", "503")
        result = run_crawl("kejiribao", sandbox=server, workdir=tmp_path)
    assert result.returncode == 1, result.log[-3000:]
    assert result.stats["health/status"] == "only_errors"
    assert (result.stats["health/responses_ok"], result.stats["health/responses_failed"]) == (0, 3)  # 1 + 2 retries
    assert "health: no request succeeded (3 failed: 503 x3)" in result.log


def test_empty_listing_exits_1(corpus_dir, tmp_path):
    with SandboxServer(corpus_dir=corpus_dir) as server:
        server.add_route(FINEWS, r"/category/kejiribao\.html", redesigned)
        result = run_crawl("kejiribao", sandbox=server, workdir=tmp_path)
    assert result.returncode == 1, result.log[-3000:]
    assert result.stats["health/status"] == "listings_empty"
    assert "health: 1 listing page(s) parsed but no article link found on any" in result.log


@pytest.fixture(scope="module")
def partly_broken(corpus_dir):
    """Ten kejiribao articles (nine synthetic, one real), three of which serve the new layout."""
    posts = synthetic_posts(9, seed=606, category="kejiribao")
    broken = sorted(p.info_code for p in posts)[:3]
    with SandboxServer(corpus_dir=corpus_dir, extra_posts=posts) as server:
        server.add_route(FINEWS, rf"/kejiribao/\d{{4}}/\d\d/\d\d/(?:{'|'.join(broken)})\.html", redesigned)
        yield server, broken


@pytest.mark.parametrize("limit, code, status", [("0.5", 0, "ok"), ("0.2", 1, "extraction_failed")])
def test_failure_share_is_configurable(partly_broken, tmp_path, limit, code, status):
    server, broken = partly_broken
    result = run_crawl(
        "kejiribao", sandbox=server, workdir=tmp_path, settings={"HEALTH_MAX_EXTRACTION_FAILURE_SHARE": limit}
    )
    assert result.returncode == code, result.log[-3000:]
    assert result.stats["health/status"] == status
    assert (result.stats["health/extraction_attempts"], result.stats["health/extraction_failures"]) == (10, 3)
    assert result.stats["health/extraction_failure_share"] == 0.3
    assert sorted(p["url"].rsplit("/", 1)[1] for p in result.stats["health/failed_pages"]) == [f"{c}.html" for c in broken]
    assert len(result.posts()) == 7
    # below the limit the failed pages are still named, as a warning
    for c in broken:
        assert re.search(rf"/{c}\.html \(layout [^)]*finews_post\)+: missing_title; missing: title, body, date$", result.log, re.M)
