"""Every real post of ``old_post/`` is reproduced when its category is crawled with the generic
``finews`` spider: same front-matter values, visible paragraphs, images, source, share and
return-link lines (expectations read from the corpus files, never from the crawler)."""

import pytest

from tests.conftest import CORPUS_DIR
from tests.crawling import run_crawl
from tests.feed_schema import assert_valid, csv_row_to_record
from tests.postfile import images, read_post

OLD_POSTS = sorted((CORPUS_DIR / "finews_posts" / "old_post").glob("*.md"))


@pytest.fixture(scope="module")
def crawled(sandbox_server, tmp_path_factory):
    categories = sorted({read_post(p).front_matter["categories"] for p in OLD_POSTS})
    result = run_crawl(
        "finews", sandbox=sandbox_server, workdir=tmp_path_factory.mktemp("corpus"), args={"category": ",".join(categories)}
    )
    assert result.returncode == 0, result.log[-3000:]
    return result


def test_the_corpus_has_what_this_test_expects():
    assert len(OLD_POSTS) == 28


@pytest.mark.parametrize("expected_path", OLD_POSTS, ids=lambda p: p.stem)
def test_post_is_reproduced(crawled, expected_path):
    written = crawled.posts().get(expected_path.name)
    assert written is not None, f"{expected_path.name} not written; have {sorted(crawled.posts())}"
    got, want = read_post(written), read_post(expected_path)
    assert got.front_matter == want.front_matter
    assert got.paragraphs == want.paragraphs
    assert images(got.body) == images(want.body)
    assert got.source_line == want.source_line
    assert got.share_line == want.share_line
    assert got.link_line == want.link_line
    assert got.return_line == want.return_line


def test_nothing_was_dropped(crawled):
    assert not any(k.startswith("validate/dropped") for k in crawled.stats), crawled.stats
    assert crawled.stats.get("item_scraped_count", 0) == len(crawled.posts())


def test_feeds_follow_the_schema(crawled):
    assert len(crawled.feed_items) == len(crawled.posts()) > 0
    for record in crawled.feed_items:
        assert_valid(record)
    # the CSV feed holds the same records, one row each, list fields as JSON text
    assert len(crawled.csv_rows) == len(crawled.feed_items)
    by_code = {r["info_code"]: r for r in crawled.feed_items}
    for row in crawled.csv_rows:
        record = csv_row_to_record(row)
        assert_valid(record)
        assert record["body" if "body" in record else "digest"] == by_code[record["info_code"]].get("body", by_code[record["info_code"]].get("digest"))
