"""A post whose title and body try to break YAML, Liquid and HTML still becomes a safe post."""

import re

import pytest

from sandbox import Post, SandboxServer
from tests.crawling import run_crawl
from tests.postfile import read_post

TITLE = 'He said "yes": C:\\path {{ site.title }}\nsecond line {% raw %}'
BODY = (
    "<p>Fine text {{ site.github }} and {% include secret.txt %}</p>\n"
    '<p onclick="alert(1)">click <a href="javascript:alert(2)">me</a><script>alert(3)</script></p>\n'
    '<p><img src="data:image/png;base64,AAAA" onerror="alert(4)"><iframe src="https://evil.example/"></iframe>ok</p>\n'
    '<p class="em_media">（文章来源：科技日报）</p>\n\n'
    "<http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW202201119999999999>\n\n"
    "[返回科技日报新闻](//finews.withounder.com/category/kejiribao.html)｜[返回首页](//finews.withounder.com/)"
)


@pytest.fixture
def hostile_site(corpus_dir):
    post = Post(
        info_code="NW202201119999999999",
        title=TITLE,
        date_raw="2022-01-11 22:00:00 +0800",
        category="kejiribao",
        tags=["科技日报新闻"],
        body=BODY,
    )
    with SandboxServer(corpus_dir=corpus_dir, extra_posts=[post]) as server:
        yield server


def test_hostile_title_round_trips_and_body_is_inert(hostile_site, tmp_path):
    result = run_crawl("kejiribao", sandbox=hostile_site, workdir=tmp_path)
    assert result.returncode == 0, result.log[-3000:]
    path = result.posts()["2022-01-11-NW202201119999999999.md"]
    post = read_post(path)
    assert post.front_matter["title"] == TITLE
    text = path.read_text("utf-8")
    body = text.split("\n---\n", 1)[1]
    assert "{{" not in body and "{%" not in body
    for bad in ("<script", "onclick", "onerror", "javascript:", "data:image", "<iframe", "alert(3)"):
        assert bad not in body.lower(), bad
    # the visible text survives (Liquid shown literally once rendered, not executed)
    assert post.paragraphs[:2] == [
        "Fine text {{ site.github }} and {% include secret.txt %}",
        "click me",
    ]
    assert re.search(r"<p>ok</p>|<p><img[^>]*>ok</p>", body)
    # the real article beside it is untouched
    assert "2022-01-11-NW202201112243997097.md" in result.posts()
