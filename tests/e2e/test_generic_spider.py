"""``scrapy crawl generic``: article pages of any site, read by the generic parser, filed by the
media name in the page (or ``-a category``), keyed by a code derived from the URL."""

import re
import subprocess
import sys

import pytest

from sandbox import SandboxServer
from sandbox.server import EASTMONEY_HOST, html_response
from tests.conftest import CORPUS_DIR
from tests.crawling import ROOT, run_crawl
from tests.feed_schema import assert_valid
from tests.postfile import read_post

SEED = CORPUS_DIR / "seed" / "2022-01-11-NW202201112243997097.md"
ARTICLE_URL = "https://finance.eastmoney.com/a/202201112243997097.html"
#: a page of a site we have no layout for: its media is in no registry entry
OTHER_URL = "https://finance.eastmoney.com/other-site/2022/0112/story.html"
OTHER_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>小城试点夜市经济 摊位一月翻番_某某晚报</title></head>
<body><div class="nav"><a href="/">首页</a> <a href="/city/">本地</a> <a href="/biz/">财经</a></div>
<div class="wrap"><h2 class="t">小城试点夜市经济 摊位一月翻番</h2>
<div class="info">2022-01-12 08:30　来源：某某晚报　作者：王五</div>
<div class="txt"><p>本报讯 去年底开放的河滨夜市，一个月里摊位从四十个增加到八十多个，周末客流超过两万人次。</p>
<p>市场管理部门介绍，夜市实行统一管理、分区经营，摊主只需登记即可入场，水电和清洁由管理方统一负责。</p>
<p>不少摊主表示，夜市的租金低、人气旺，比开店的压力小得多；附近居民也多了一个散步消遣的去处。</p>
<p>（责任编辑：赵六）</p></div>
<div class="rel"><a href="/a/1.html">春节前后物价平稳</a><br><a href="/a/2.html">新年消费新趋势</a></div></div>
<div class="foot">Copyright © 某某晚报 版权所有</div></body></html>"""


@pytest.fixture(scope="module")
def site(corpus_dir):
    with SandboxServer(corpus_dir=corpus_dir) as server:
        server.add_route(EASTMONEY_HOST, r"/other-site/2022/0112/story\.html", lambda *_: html_response(OTHER_PAGE))
        yield server


def test_a_public_article_page_becomes_the_seed_post_under_a_derived_code(site, tmp_path):
    from crawler.loaders import INFO_CODE
    from crawler.pages.generic import canonical_url, derive_info_code

    result = run_crawl("generic", sandbox=site, workdir=tmp_path, args={"urls": ARTICLE_URL})
    assert result.returncode == 0, result.log[-3000:]
    code = derive_info_code(canonical_url(ARTICLE_URL))
    assert INFO_CODE.match(code) and re.fullmatch(r"GN\d{18}", code)
    [name] = result.posts()
    assert name == f"2022-01-11-{code}.md"
    got, want = read_post(result.posts()[name]), read_post(SEED)
    # filed by the media name (科技日报 → kejiribao), as the outlet spider files it
    assert got.front_matter["title"] == want.front_matter["title"]
    assert got.front_matter["categories"] == "kejiribao" and got.front_matter["tags"] == "科技日报新闻"
    assert "date: 2022-01-11 21:48:00 +0800" in got.front_matter_text  # the page shows minutes
    assert got.paragraphs == want.paragraphs
    assert got.source_line == want.source_line
    [item] = result.feed_items
    assert_valid(item)
    assert item["url"] == ARTICLE_URL and item["info_code"] == code and item["layout"] == "generic"

    # the code is known before the fetch: a re-run does not fetch the page again
    site.reset_hits()
    again = run_crawl("generic", sandbox=site, workdir=tmp_path, args={"urls": ARTICLE_URL + "#comments"})
    assert again.returncode == 0, again.log[-3000:]
    assert again.stats.get("incremental/skipped") == 1
    assert site.hits(host=EASTMONEY_HOST, prefix="/a/") == 0


def test_unknown_media_takes_the_category_argument(site, tmp_path):
    links = tmp_path / "links.txt"
    links.write_text(f"# one per line\n{OTHER_URL}\n", "utf-8")
    result = run_crawl("generic", sandbox=site, workdir=tmp_path / "run", args={"file": str(links), "category": "kejiribao"})
    assert result.returncode == 0, result.log[-3000:]
    [item] = result.feed_items
    assert item["title"] == "小城试点夜市经济 摊位一月翻番"
    assert item["source"] == "某某晚报" and item["category"] == "kejiribao" and item["tags"] == ["科技日报新闻"]
    assert item["published_at"].startswith("2022-01-12T08:30:00")
    assert len(item["body"]) == 3 and "责任编辑" not in "".join(item["body"])


def test_unknown_media_without_a_category_is_not_filed(site, tmp_path):
    result = run_crawl("generic", sandbox=site, workdir=tmp_path, args={"urls": OTHER_URL})
    assert result.posts() == {}
    assert result.stats["validate/dropped/missing_category"] == 1


@pytest.mark.parametrize(
    "argv, message",
    [
        (["-a", "urls=ftp://example.com/a.html"], "error: spider generic: -a arguments: not an http(s) URL: ftp://example.com/a.html"),
        (["-a", "urls=https://example.com/a.html", "-a", "category=../x"], "error: spider generic: -a category: '../x' is not a category slug"),
        ([], "error: spider generic: -a arguments: give links with -a urls="),
    ],
)
def test_bad_arguments(argv, message):
    proc = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "generic", *argv], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and errors[0].startswith(message), proc.stderr[-2000:]
