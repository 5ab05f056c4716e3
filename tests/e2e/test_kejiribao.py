"""Acceptance of the foundation: `scrapy crawl kejiribao` against the sandbox reproduces the real
seed post, and a re-run with nothing new fetches only the listing and writes nothing."""

import datetime as dt

from tests.conftest import CORPUS_DIR
from tests.crawling import run_crawl
from tests.postfile import images, read_post

SEED = CORPUS_DIR / "seed" / "2022-01-11-NW202201112243997097.md"
POST_NAME = "2022-01-11-NW202201112243997097.md"


def test_kejiribao_writes_the_seed_post(sandbox, tmp_path):
    result = run_crawl("kejiribao", sandbox=sandbox, workdir=tmp_path)
    assert result.returncode == 0, result.log[-3000:]
    assert list(result.posts()) == [POST_NAME]

    got, want = read_post(result.posts()[POST_NAME]), read_post(SEED)
    assert got.front_matter == want.front_matter
    assert "date: 2022-01-11 21:48:28 +0800" in got.front_matter_text.splitlines()
    assert got.paragraphs == want.paragraphs
    assert len(got.paragraphs) == 38
    assert got.source_line == want.source_line == '<p class="em_media">（文章来源：科技日报）</p>'
    assert got.share_line == want.share_line
    assert got.return_line == want.return_line
    assert images(got.body) == images(want.body)

    # The feed carries the same article, with canonical URLs and an aware timestamp.
    [item] = result.feed_items
    assert item["info_code"] == "NW202201112243997097"
    assert item["url"] == "https://finews.withounder.com/kejiribao/2022/01/11/NW202201112243997097.html"
    assert item["share_url"] == "http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW202201112243997097"
    assert dt.datetime.fromisoformat(item["published_at"]) == dt.datetime(
        2022, 1, 11, 13, 48, 28, tzinfo=dt.timezone.utc
    )
    assert item["published_raw"] == "(GMT+8, Asia/Shanghai, CST) 2022-01-11 21:48:28"
    assert item["source"] == "科技日报" and item["category"] == "kejiribao" and item["tags"] == ["科技日报新闻"]
    assert result.stats["posts/written"] == 1


def test_rerun_with_nothing_new_fetches_only_the_listing(sandbox, tmp_path):
    first = run_crawl("kejiribao", sandbox=sandbox, workdir=tmp_path)
    assert first.returncode == 0, first.log[-3000:]
    post = first.posts()[POST_NAME]
    before = post.stat()
    assert sandbox.hits(host="finews.withounder.com", prefix="/kejiribao/") == 1

    sandbox.reset_hits()
    second = run_crawl("kejiribao", sandbox=sandbox, workdir=tmp_path)
    assert second.returncode == 0, second.log[-3000:]
    # counted at the server: the listing once, no post page
    assert sandbox.hits(host="finews.withounder.com", prefix="/kejiribao/") == 0
    assert sandbox.hits(host="finews.withounder.com", prefix="/category/kejiribao.html") == 1
    # nothing rewritten, nothing exported, and the stats say why
    after = post.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert list(second.posts()) == [POST_NAME]
    assert second.stats.get("incremental/skipped") == 1
    assert "posts/written" not in second.stats
    assert second.feed_items == []


def test_without_incremental_the_unchanged_post_is_not_rewritten(sandbox, tmp_path):
    first = run_crawl("kejiribao", sandbox=sandbox, workdir=tmp_path)
    before = first.posts()[POST_NAME].stat()
    second = run_crawl("kejiribao", sandbox=sandbox, workdir=tmp_path, settings={"INCREMENTAL_ENABLED": "False"})
    assert second.returncode == 0, second.log[-3000:]
    assert second.stats.get("dedupe/duplicate") == 1
    after = second.posts()[POST_NAME].stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
