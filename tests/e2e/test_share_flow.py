"""The share-link flow: `scrapy crawl share` writes the same post as the outlet spider, and an
outlet spider still writes its post when the share API is down."""

import pytest

from sandbox import SandboxServer
from tests.crawling import run_crawl
from tests.feed_schema import assert_valid
from tests.postfile import read_post

SHARE = "http://finews.zning.xyz/html_News/NewsShare.html?infoCode={}"
# (outlet spider, code): odd last digit = an "older server" `content` answer, even = `text`
ARTICLES = [
    ("kejiribao", "NW202201112243997097", "2022-01-11"),
    ("zhengquanshibao", "NW202201052236060062", "2022-01-05"),
    ("meirijingjixinwen", "NW202202112274017262", "2022-02-11"),
    ("zhongguozhengquanbao·zhongzhengwang", "NW202203172312490456", "2022-03-17"),
]


@pytest.fixture(scope="module")
def outlet_posts(sandbox_server, tmp_path_factory):
    """What each outlet spider writes (a real crawl per outlet)."""
    posts = {}
    for spider, code, date in ARTICLES:
        result = run_crawl(spider, sandbox=sandbox_server, workdir=tmp_path_factory.mktemp(spider.replace("·", "_")))
        assert result.returncode == 0, result.log[-3000:]
        assert result.stats.get("share/api_ok", 0) >= 1
        posts[code] = result.posts()[f"{date}-{code}.md"].read_bytes()
    return posts


def test_share_spider_writes_the_outlet_spiders_post(sandbox, outlet_posts, tmp_path):
    urls = ",".join(SHARE.format(code) for _, code, _ in ARTICLES)
    result = run_crawl("share", sandbox=sandbox, workdir=tmp_path, args={"urls": urls})
    assert result.returncode == 0, result.log[-3000:]
    for _, code, date in ARTICLES:
        written = result.posts()[f"{date}-{code}.md"].read_bytes()
        assert written == outlet_posts[code], code  # byte for byte
    assert result.stats["share/api_ok"] == len(ARTICLES)
    for record in result.feed_items:
        assert_valid(record)
        assert record["url"].startswith("https://finance.eastmoney.com/a/")
    # the share page shell itself is never fetched: it holds no article
    assert sandbox.hits(host="finews.zning.xyz", prefix="/html_News/") == 0


def test_share_spider_reads_links_from_a_file(sandbox, outlet_posts, tmp_path):
    links = tmp_path / "links.txt"
    links.write_text("# one link per line\n" + SHARE.format("NW202201112243997097") + "\n\n", "utf-8")
    result = run_crawl("share", sandbox=sandbox, workdir=tmp_path / "run", args={"file": str(links)})
    assert result.returncode == 0, result.log[-3000:]
    assert result.posts()["2022-01-11-NW202201112243997097.md"].read_bytes() == outlet_posts["NW202201112243997097"]


@pytest.mark.parametrize("kind", ["404", "503", "timeout", "reset"])
def test_outlet_spider_falls_back_to_the_post_page_when_the_api_is_down(corpus_dir, outlet_posts, tmp_path, kind):
    with SandboxServer(corpus_dir=corpus_dir, fault_delay=3) as server:
        server.add_fault("finews.zning.xyz", r"/NewsData/GetNewsText\.do", kind)
        result = run_crawl("kejiribao", sandbox=server, workdir=tmp_path,
                           settings={"DOWNLOAD_TIMEOUT": "1", "RETRY_TIMES": "1"})
    assert result.returncode == 0, result.log[-3000:]
    assert result.stats["share/fallback_to_post_page"] == 1
    written = result.posts()["2022-01-11-NW202201112243997097.md"].read_bytes()
    assert written == outlet_posts["NW202201112243997097"]


def test_share_spider_uses_the_public_page_when_the_api_is_down(corpus_dir, tmp_path):
    with SandboxServer(corpus_dir=corpus_dir) as server:
        server.add_fault("finews.zning.xyz", r"/NewsData/GetNewsText\.do", "500")
        result = run_crawl("share", sandbox=server, workdir=tmp_path,
                           args={"urls": SHARE.format("NW202201112243997097")}, settings={"RETRY_TIMES": "0"})
    assert result.returncode == 0, result.log[-3000:]
    assert result.stats["share/from_public_page"] == 1
    # the public page shows minutes only: the post is dated 21:48:00, everything else as the seed
    post = read_post(result.posts()["2022-01-11-NW202201112243997097.md"])
    seed = read_post(corpus_dir / "seed" / "2022-01-11-NW202201112243997097.md")
    assert post.front_matter["title"] == seed.front_matter["title"]
    assert "date: 2022-01-11 21:48:00 +0800" in post.front_matter_text
    assert post.paragraphs == seed.paragraphs
    assert post.source_line == seed.source_line and post.share_line == seed.share_line
    assert post.return_line == seed.return_line


def test_bad_share_links_are_refused(sandbox, tmp_path):
    result = run_crawl("share", sandbox=sandbox, workdir=tmp_path, args={"urls": "https://example.com/a.html"})
    assert result.returncode == 2
    assert "not a share link with an infoCode: https://example.com/a.html" in result.log
