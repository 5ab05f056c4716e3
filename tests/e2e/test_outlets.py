"""Outlet spiders come from the registry data: a new entry is a working spider, no code change."""

import subprocess
import sys

import pytest

from sandbox import Post, SandboxServer
from tests.crawling import ROOT, run_crawl
from tests.postfile import read_post

NEW_OUTLET = """
defaults:
  site: https://finews.withounder.com
outlets:
  - name: 科技日报
    slug: kejiribao
  - name: 测试财经日报
"""


@pytest.fixture
def sources_file(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text(NEW_OUTLET, "utf-8")
    return path


@pytest.fixture
def site_with_new_outlet(corpus_dir):
    post = Post(
        info_code="NW202206302400000001",
        title="测试财经日报的第一篇文章",
        date_raw="2022-06-30 09:15:00 +0800",
        category="ceshicaijingribao",
        tags=["测试财经日报新闻"],
        body=(
            "<p>第一段。</p><p>第二段，<strong>加粗</strong>。</p>"
            '<p class="em_media">（文章来源：测试财经日报）</p>\n\n'
            "<http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW202206302400000001>\n\n"
            "[返回测试财经日报新闻](//finews.withounder.com/category/ceshicaijingribao.html)｜[返回首页](//finews.withounder.com/)"
        ),
    )
    with SandboxServer(corpus_dir=corpus_dir, extra_posts=[post]) as server:
        yield server


def test_scrapy_list_shows_every_registry_outlet(sources_file):
    out = subprocess.run(
        [sys.executable, "-m", "scrapy", "list", "-s", f"SOURCES_FILE={sources_file}"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    names = out.stdout.split()
    # the generated slug of the new outlet is its pinyin (written by hand here)
    assert "ceshicaijingribao" in names and "kejiribao" in names
    assert "zhengquanshibao" not in names  # only what this registry file lists, plus the generic spiders
    assert {"finews", "share", "emnews"} <= set(names)


def test_new_outlet_crawls_with_no_code_change(site_with_new_outlet, sources_file, tmp_path):
    result = run_crawl(
        "ceshicaijingribao", sandbox=site_with_new_outlet, workdir=tmp_path, settings={"SOURCES_FILE": str(sources_file)}
    )
    assert result.returncode == 0, result.log[-3000:]
    post = read_post(result.posts()["2022-06-30-NW202206302400000001.md"])
    assert post.front_matter["categories"] == "ceshicaijingribao"
    assert post.front_matter["tags"] == "测试财经日报新闻"
    assert post.paragraphs == ["第一段。", "第二段，加粗。"]
    assert post.source_line == '<p class="em_media">（文章来源：测试财经日报）</p>'
    assert post.return_line == (
        "[返回测试财经日报新闻](//finews.withounder.com/category/ceshicaijingribao.html)｜[返回首页](//finews.withounder.com/)"
    )
    assert list(result.posts()) == ["2022-06-30-NW202206302400000001.md"]
