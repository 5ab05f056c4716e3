"""Layout drift: the sandbox serves the finews post and Eastmoney article pages in a changed
template (``SandboxServer(layout_drift=True)``). Crawls still write the seed post, through the
generic parser, and say that the layout drifted (stat + WARNING naming the layout and the URL)."""

import pytest

from sandbox import SandboxServer
from tests.conftest import CORPUS_DIR
from tests.crawling import run_crawl
from tests.feed_schema import assert_valid
from tests.postfile import images, read_post

SEED = CORPUS_DIR / "seed" / "2022-01-11-NW202201112243997097.md"
POST_NAME = "2022-01-11-NW202201112243997097.md"
POST_URL = "https://finews.withounder.com/kejiribao/2022/01/11/NW202201112243997097.html"
ARTICLE_URL = "https://finance.eastmoney.com/a/202201112243997097.html"
SHARE_URL = "http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW202201112243997097"


@pytest.fixture(scope="module")
def drifted(corpus_dir):
    with SandboxServer(corpus_dir=corpus_dir, layout_drift=True) as server:
        yield server


def assert_is_the_seed(path, *, date_line="date: 2022-01-11 21:48:28 +0800"):
    got, want = read_post(path), read_post(SEED)
    assert got.front_matter["title"] == want.front_matter["title"]
    assert {k: v for k, v in got.front_matter.items() if k != "date"} == {k: v for k, v in want.front_matter.items() if k != "date"}
    assert date_line in got.front_matter_text.splitlines()
    assert got.paragraphs == want.paragraphs
    assert len(got.paragraphs) == 38
    assert images(got.body) == images(want.body)
    assert got.source_line == want.source_line == '<p class="em_media">（文章来源：科技日报）</p>'
    assert got.share_line == want.share_line
    assert got.return_line == want.return_line


def test_the_drifted_pages_defeat_the_layout_selectors(drifted):
    from scrapy.http import HtmlResponse

    from crawler.pages.eastmoney import EastmoneyArticlePage
    from crawler.pages.finews import FinewsPostPage
    from tests.sandbox.fetch import get

    status, _, body = get(drifted.base_url + "/finews.withounder.com/kejiribao/2022/01/11/NW202201112243997097.html")
    assert status == 200
    page = FinewsPostPage(HtmlResponse(POST_URL, body=body, encoding="utf-8"))
    assert page.title() is None and page.body() == []
    status, _, body = get(drifted.base_url + "/finance.eastmoney.com/a/202201112243997097.html")
    assert status == 200
    assert EastmoneyArticlePage(HtmlResponse(ARTICLE_URL, body=body, encoding="utf-8")).body() == []


@pytest.mark.parametrize("follow_share", [True, False], ids=["with-share-api", "page-only"])
def test_kejiribao_on_a_drifted_site_writes_the_seed_post(drifted, tmp_path, follow_share):
    """``page-only`` writes the post from the generic parser alone (the share API's text would
    otherwise replace the body)."""
    result = run_crawl("kejiribao", sandbox=drifted, workdir=tmp_path,
                       settings={"FOLLOW_SHARE_LINKS": str(follow_share)})
    assert result.returncode == 0, result.log[-3000:]
    assert list(result.posts()) == [POST_NAME]
    assert_is_the_seed(result.posts()[POST_NAME])
    # the drift is reported: a stat per layout and a warning naming the layout and the URL
    assert result.stats["extraction/fallback/finews_post"] == 1
    assert f"layout drift: finews_post found no title and no body on {POST_URL}" in result.log
    assert "WARNING" in next(line for line in result.log.splitlines() if "layout drift:" in line)
    [item] = result.feed_items
    assert_valid(item)
    assert item["layout"] == "generic(fallback from finews_post)"
    assert item["url"] == POST_URL and item["info_code"] == "NW202201112243997097"
    assert item["share_url"] == SHARE_URL
    assert item["published_raw"] == "2022年01月11日 21:48:28"
    assert item["source"] == "科技日报" and item["category"] == "kejiribao" and item["tags"] == ["科技日报新闻"]
    assert not any(k.startswith("validate/dropped") for k in result.stats)


def test_fallback_can_be_turned_off(drifted, tmp_path):
    result = run_crawl("kejiribao", sandbox=drifted, workdir=tmp_path,
                       settings={"EXTRACTION_FALLBACK": "False", "FOLLOW_SHARE_LINKS": "False"})
    # (the exit code is not checked: a run whose every article fails may well be an error run)
    assert result.stats, result.log[-3000:]
    assert result.posts() == {}
    assert result.stats["extraction/no_fallback/finews_post"] == 1
    assert "extraction/fallback/finews_post" not in result.stats
    assert result.stats["validate/dropped/missing_title"] == 1
    assert "EXTRACTION_FALLBACK is off" in result.log


def test_share_spider_reads_a_drifted_public_page(corpus_dir, tmp_path):
    with SandboxServer(corpus_dir=corpus_dir, layout_drift=True) as server:
        server.add_fault("finews.zning.xyz", r"/NewsData/GetNewsText\.do", "404")
        result = run_crawl("share", sandbox=server, workdir=tmp_path, args={"urls": SHARE_URL})
    assert result.returncode == 0, result.log[-3000:]
    assert result.stats["share/from_public_page"] == 1
    assert result.stats["extraction/fallback/eastmoney_article"] == 1
    assert f"layout drift: eastmoney_article found no body on {ARTICLE_URL}" in result.log
    # the public page shows minutes only, so the post says 21:48:00, as without drift
    assert_is_the_seed(result.posts()[POST_NAME], date_line="date: 2022-01-11 21:48:00 +0800")
    [item] = result.feed_items
    assert item["layout"] == "generic(fallback from eastmoney_article)"


def test_no_fallback_on_the_normal_layout(sandbox, tmp_path):
    result = run_crawl("kejiribao", sandbox=sandbox, workdir=tmp_path, settings={"FOLLOW_SHARE_LINKS": "False"})
    assert result.returncode == 0, result.log[-3000:]
    assert not any(k.startswith("extraction/") for k in result.stats), result.stats
    assert "layout drift" not in result.log
    [item] = result.feed_items
    assert item["layout"] == "finews_post"
