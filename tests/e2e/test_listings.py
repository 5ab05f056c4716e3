"""Listing discovery: JSON list APIs with pagination and early stop, the home page and the feed."""

import pytest

from sandbox import SandboxServer, synthetic_posts
from tests.crawling import run_crawl
from tests.postfile import read_post

JSON_OUTLET = """
outlets:
  - name: 科技日报
    slug: kejiribao
    listings:
      - http://finews.zning.xyz/NewsData/GetNewsList.do?column=kejiribao&page=1&pageSize=20
"""


@pytest.fixture
def big_site(corpus_dir):
    posts = synthetic_posts(44, seed=7, category="kejiribao")
    with SandboxServer(corpus_dir=corpus_dir, extra_posts=posts) as server:
        yield server, posts


@pytest.fixture
def sources_file(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text(JSON_OUTLET, "utf-8")
    return path


def test_json_listing_pages_then_stops_early_on_known_articles(big_site, sources_file, tmp_path):
    server, posts = big_site
    settings = {"SOURCES_FILE": str(sources_file)}
    work = tmp_path / "work"

    first = run_crawl("kejiribao", sandbox=server, workdir=work, settings=settings)
    assert first.returncode == 0, first.log[-3000:]
    # 44 synthetic + 1 real kejiribao article = 45 records = 3 pages of 20
    assert server.hits(host="finews.zning.xyz", prefix="/NewsData/GetNewsList.do") == 3
    assert first.stats["posts/written"] == 45
    assert len(first.posts()) == 45
    some = posts[17]
    post = read_post(first.posts()[f"{some.local_time:%Y-%m-%d}-{some.info_code}.md"])
    assert post.front_matter["title"] == some.title and post.front_matter["categories"] == "kejiribao"

    server.reset_hits()
    second = run_crawl("kejiribao", sandbox=server, workdir=work, settings=settings)
    assert second.returncode == 0, second.log[-3000:]
    # page 1 is all known: no page 2, no article requests
    assert server.hits(host="finews.zning.xyz", prefix="/NewsData/GetNewsList.do") == 1
    assert server.hits(host="finews.zning.xyz", prefix="/NewsData/GetNewsText.do") == 0
    assert second.stats["listing/stopped_early"] == 1
    assert second.stats["incremental/skipped"] == 20
    assert "posts/written" not in second.stats

    # new articles on top of the listing: fetched, and paging still stops at the known ones
    for extra in synthetic_posts(3, seed=8, category="kejiribao"):
        server.add_post(extra)
    server.reset_hits()
    third = run_crawl("kejiribao", sandbox=server, workdir=work, settings=settings)
    assert third.stats["posts/written"] == 3
    assert server.hits(host="finews.zning.xyz", prefix="/NewsData/GetNewsText.do") == 3


def test_max_pages_bounds_a_listing(big_site, sources_file, tmp_path):
    server, _ = big_site
    result = run_crawl("kejiribao", sandbox=server, workdir=tmp_path,
                       settings={"SOURCES_FILE": str(sources_file), "LISTING_MAX_PAGES": "2"})
    assert result.returncode == 0, result.log[-3000:]
    assert server.hits(host="finews.zning.xyz", prefix="/NewsData/GetNewsList.do") == 2
    assert result.stats["listing/max_pages_reached"] == 1
    assert result.stats["posts/written"] == 40


def test_finews_without_arguments_walks_home_feed_and_every_category(sandbox, tmp_path, corpus_posts):
    result = run_crawl("finews", sandbox=sandbox, workdir=tmp_path)
    assert result.returncode == 0, result.log[-3000:]
    assert sandbox.hits(host="finews.withounder.com", prefix="/feed.xml") == 1
    for slug in {p.category for p in corpus_posts}:
        assert sandbox.hits(host="finews.withounder.com", prefix=f"/category/{slug}.html") == 1, slug
    assert len(result.posts()) == len(corpus_posts) == 30
