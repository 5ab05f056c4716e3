"""Syndicated copies end to end: the real 科技日报 article re-published by another outlet under a new
info code is recognised through the state store across two crawls (two spiders, one workdir)."""

import dataclasses

import pytest

from sandbox.corpus import load_posts
from sandbox.server import SandboxServer
from tests.crawling import run_crawl

ORIGINAL = "NW202201112243997097"
COPY = "NW202201122243999999"
ORIGINAL_POST = "2022-01-11-NW202201112243997097.md"
COPY_POST = "2022-01-12-NW202201122243999999.md"


def syndicated_copy(corpus_dir):
    """The 科技日报 article as 人民日报 would carry it: new code, a day later, another title and
    source line, its own share and return links; the paragraphs themselves untouched."""
    [original] = [p for p in load_posts(corpus_dir) if p.info_code == ORIGINAL and p.folder == "old_post"]
    body = original.body
    for old, new in [
        ("（文章来源：科技日报）", "（文章来源：人民日报）"),
        (f"infoCode={ORIGINAL}", f"infoCode={COPY}"),
        ("[返回科技日报新闻](//finews.withounder.com/category/kejiribao.html)",
         "[返回人民日报新闻](//finews.withounder.com/category/renminribao.html)"),
    ]:
        assert body.count(old) == 1, old
        body = body.replace(old, new)
    return dataclasses.replace(
        original,
        info_code=COPY,
        title="科技企业加速“上山下乡” 数字技术助力实体经济",
        date_raw="2022-01-12 21:48:28 +0800",
        published=None,
        category="renminribao",
        tags=["人民日报新闻"],
        body=body,
        folder=None,
    )


@pytest.fixture(scope="module")
def copy_sandbox(corpus_dir):
    server = SandboxServer(corpus_dir=corpus_dir, extra_posts=[syndicated_copy(corpus_dir)]).start()
    yield server
    server.stop()


def crawl_original_then_copy(sandbox, workdir, policy):
    settings = {"NEAR_DUPLICATE_POLICY": policy}
    first = run_crawl("kejiribao", sandbox=sandbox, workdir=workdir, settings=settings)
    assert first.returncode == 0, first.log[-3000:]
    second = run_crawl("finews", sandbox=sandbox, workdir=workdir, args={"category": "renminribao"}, settings=settings)
    assert second.returncode == 0, second.log[-3000:]
    return first, second


def test_record_policy_writes_the_copy_and_names_the_original(copy_sandbox, tmp_path):
    first, second = crawl_original_then_copy(copy_sandbox, tmp_path, "record")

    [original] = first.feed_items
    assert original["info_code"] == ORIGINAL and "duplicate_of" not in original
    assert "near_duplicates/recorded" not in first.stats

    assert sorted(second.posts()) == [ORIGINAL_POST, COPY_POST]
    [copy] = second.feed_items
    assert copy["info_code"] == COPY
    assert copy["duplicate_of"] == ORIGINAL
    assert copy["source"] == "人民日报"
    assert second.stats["near_duplicates/recorded"] == 1
    assert second.stats["posts/written"] == 1
    # same paragraphs, same fingerprint: 16 hex digits in the feed
    assert copy["simhash"] == original["simhash"]
    assert len(copy["simhash"]) == 16 and int(copy["simhash"], 16) >= 0


def test_drop_policy_does_not_write_the_copy(copy_sandbox, tmp_path):
    _, second = crawl_original_then_copy(copy_sandbox, tmp_path, "drop")

    assert sorted(second.posts()) == [ORIGINAL_POST]
    assert second.feed_items == []
    assert second.stats["near_duplicates/dropped"] == 1
    assert "posts/written" not in second.stats
    assert f"{COPY} is a syndicated copy of {ORIGINAL}" in second.log

    # the dropped copy is remembered: a re-run does not fetch it again
    copy_sandbox.reset_hits()
    third = run_crawl("finews", sandbox=copy_sandbox, workdir=tmp_path, args={"category": "renminribao"},
                      settings={"NEAR_DUPLICATE_POLICY": "drop"})
    assert third.returncode == 0, third.log[-3000:]
    assert copy_sandbox.hits(host="finews.withounder.com", prefix="/renminribao/") == 0
    assert third.stats["incremental/skipped"] == 1


def test_off_policy_writes_the_copy_unmarked(copy_sandbox, tmp_path):
    _, second = crawl_original_then_copy(copy_sandbox, tmp_path, "off")

    assert sorted(second.posts()) == [ORIGINAL_POST, COPY_POST]
    [copy] = second.feed_items
    assert "duplicate_of" not in copy and "simhash" not in copy
    assert not [key for key in second.stats if key.startswith("near_duplicates/")]


def test_same_topic_articles_are_not_flagged(sandbox, tmp_path):
    # Three outlets' different articles on the 2022-04-29 Politburo meeting, and two outlets'
    # different articles on the 谢娜 house purchase, crawled together into one store.
    # (21财经's Politburo article is left out on purpose: it and 界面新闻's carry the same Xinhua
    # communiqué under different leads, a real syndication, not an unrelated pair.)
    categories = "jiemianxinwen,zhongguozhengquanbao,zhengquanshibao·quanzhongshe,egongsi,meirijingjixinwen"
    result = run_crawl("finews", sandbox=sandbox, workdir=tmp_path, args={"category": categories})
    assert result.returncode == 0, result.log[-3000:]

    codes = {item["info_code"] for item in result.feed_items}
    assert {
        "NW202204292365898563", "NW202204292365954260", "NW202204292365994760",
        "NW202202082270038943", "NW202202092270371776",
    } <= codes
    assert all("simhash" in item for item in result.feed_items)
    assert [item["info_code"] for item in result.feed_items if "duplicate_of" in item] == []
    assert [key for key in result.stats if key.startswith("near_duplicates/")] == []
