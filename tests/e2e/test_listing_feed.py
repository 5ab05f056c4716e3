"""A category page of thousands of posts, its links handed to the scheduler ten at a time.

The finews site lists all of an outlet's posts on one category page; the spider keeps the links
as text and feeds the scheduler ``LISTING_FEED_BATCH`` requests whenever it runs dry. Nothing may
be lost or fetched twice on the way, the spider must not close while links wait, and the
scheduler must never hold much more than one batch. The scheduler's size is measured by a
scheduler subclass loaded for the test only (below), not by anything the spider reports.
"""

from __future__ import annotations

import collections
import re
from urllib.parse import urlsplit

import pytest
from scrapy.core.scheduler import Scheduler

from crawler.middlewares.incremental import ARTICLE_KEY
from sandbox import SandboxServer, synthetic_posts
from tests.crawling import run_crawl

N = 2500
BATCH = 10
#: Other requests sit in the scheduler beside a batch: the mirror middleware's rewrite of each
#: request to the sandbox (a second trip through the scheduler, so up to a second batch) and the
#: share API request each post page yields, one per post response not yet answered by its share
#: request. How many of those depends on how far the parsing lags the downloads (on a busy
#: machine, a few dozen): small, and not growing with the listing, unlike the N requests a plain
#: yield would queue.
SLACK = 64


class LenRecordingScheduler(Scheduler):
    """Scrapy's scheduler, recording the most requests it ever held (``test/scheduler_max``) and
    the most article requests the spider handed over among them (``test/scheduler_articles_max``:
    requests with an article key still on their canonical URL, not yet rewritten to a mirror)."""

    def open(self, spider):
        self.articles = 0
        return super().open(spider)

    def enqueue_request(self, request):
        queued = super().enqueue_request(request)
        if queued and _from_the_feed(request):
            self.articles += 1
        self.stats.max_value("test/scheduler_max", len(self))
        self.stats.max_value("test/scheduler_articles_max", self.articles)
        return queued

    def next_request(self):
        request = super().next_request()
        if request is not None and _from_the_feed(request):
            self.articles -= 1
        return request


def _from_the_feed(request) -> bool:
    return bool(request.meta.get(ARTICLE_KEY)) and urlsplit(request.url).hostname == "finews.withounder.com"


@pytest.fixture(scope="module")
def big_listing(corpus_dir):
    posts = synthetic_posts(N, seed=11, category="kejiribao")
    with SandboxServer(corpus_dir=corpus_dir, extra_posts=posts) as server:
        yield server, posts


def test_a_listing_of_thousands_is_fed_in_small_batches_and_crawled_completely(big_listing, tmp_path):
    server, posts = big_listing
    settings = {"LISTING_FEED_BATCH": BATCH, "SCHEDULER": f"{__name__}.LenRecordingScheduler"}
    result = run_crawl("kejiribao", sandbox=server, workdir=tmp_path / "work", settings=settings, timeout=600)
    assert result.returncode == 0, result.log[-3000:]
    stats = result.stats

    # N synthetic posts plus the corpus's one kejiribao post, every one listed, fetched once,
    # written once.
    assert stats["listing/links"] == N + 1
    post_paths = [p for p in server.hit_paths(host="finews.withounder.com") if p.startswith("/kejiribao/")]
    assert len(post_paths) == N + 1
    counts = collections.Counter(
        {c["path"]: c["count"] for c in server.hit_counts() if c["path"] in set(post_paths)}
    )
    assert set(counts.values()) == {1}
    assert stats["posts/written"] == N + 1
    assert len(result.posts()) == N + 1
    codes = [item["info_code"] for item in result.feed_items]
    assert len(codes) == len(set(codes)) == N + 1
    assert {p.info_code for p in posts} <= set(codes)

    # Fed ten at a time: the scheduler never held the listing, only a batch and what rides along.
    assert stats["listing/feed_batches"] == -(-(N + 1) // BATCH)
    assert stats["listing/feed_pending_max"] == N + 1
    assert stats["test/scheduler_articles_max"] == BATCH
    assert BATCH <= stats["test/scheduler_max"] <= 2 * BATCH + SLACK
    assert stats["finish_reason"] == "finished"


def test_a_rerun_queues_nothing_and_skips_every_stored_article(big_listing, tmp_path, monkeypatch):
    server, _ = big_listing
    work = tmp_path / "work"
    settings = {"LISTING_FEED_BATCH": BATCH, "FOLLOW_SHARE_LINKS": False}
    # Every import of the crawl process goes to its stderr: a registry outlet's crawl must not
    # load pypinyin (the registry spells out every slug; see tests/unit/test_registry_slugs.py).
    monkeypatch.setenv("PYTHONPROFILEIMPORTTIME", "1")
    first = run_crawl("kejiribao", sandbox=server, workdir=work, settings=settings, timeout=600)
    assert first.returncode == 0, first.log[-3000:]
    assert first.stats["posts/written"] == N + 1
    assert re.search(r"^import time:.*\bscrapy\.core\.engine$", first.log, re.M)  # the log has imports
    assert "pypinyin" not in first.log

    server.reset_hits()
    second = run_crawl("kejiribao", sandbox=server, workdir=work, settings=settings, timeout=600)
    assert second.returncode == 0, second.log[-3000:]
    assert second.stats["incremental/skipped"] == N + 1
    assert "listing/feed_batches" not in second.stats
    assert [p for p in server.hit_paths(host="finews.withounder.com") if p.startswith("/kejiribao/")] == []
