"""Hostile content (issue 4, part 3): scripts, handlers, bad URLs, Liquid, YAML breakers, huge
titles, NUL bytes and path-traversal codes and slugs, through real crawls of the sandbox.

Design §8: nothing scraped reaches a file unescaped, nothing leaves the allow-list, nothing is
written outside ``SITE_DIR``, and an article that is itself fine still appears. The work
directory is nested a few levels deep inside the test's own temp directory, so a ``../../``
that got through would land inside that tree, where the walk at the end finds it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from sandbox import Post, SandboxServer
from sandbox.render_finews import render_category, render_home, render_post
from sandbox.server import html_response, json_response
from tests.crawling import CrawlResult, run_crawl
from tests.e2e.test_bad_web import assert_crawl_survived, assert_site_sound, post_name
from tests.postfile import images, read_post

SITE = "https://finews.withounder.com"
SHARE_LINE = "<http://finews.zning.xyz/html_News/NewsShare.html?infoCode={code}>"
FOOTER = (
    '<p class="em_media">（文章来源：科技日报）</p>\n\n' + SHARE_LINE + "\n\n"
    "[返回科技日报新闻](//finews.withounder.com/category/kejiribao.html)｜[返回首页](//finews.withounder.com/)"
)


def article(code: str, title: str, body: str, share_code: str | None = None) -> Post:
    return Post(code, title, "2022-01-11 10:00:00 +0800", "kejiribao", ["科技日报新闻"],
                body + "\n" + FOOTER.format(code=share_code or code))


# --- the hostile articles (expected values by hand) ---------------------------------------------

BODY_HTML = "\n".join([
    "<p>第一段 {{ site.github }} 与 {% include secret.txt %} 以及 {%- raw -%} 结束</p>",
    '<p onclick="alert(1)" style="background:url(javascript:alert(2))">点我 <a href="javascript:alert(3)">一</a>'
    ' <a href="JaVaScRiPt:alert(4)">二</a> <a href="&#106;avascript:alert(5)">三</a>'
    ' <a href="vbscript:msgbox(6)">四</a> <a href="https://example.com/ok" onmouseover="alert(7)">五</a></p>',
    '<p>图<img src="data:image/png;base64,AAAA" onerror="alert(8)"><img src="https://example.com/a.png" onload="alert(9)"></p>',
    '<p>框<iframe src="https://evil.example/"></iframe><script>alert(10)</script><style>p{color:red}</style>'
    '<object data="x.swf"></object>尾</p>',
    '<p><svg onload="alert(11)"><circle r="1"></circle></svg>矢量图后</p>',
    '<p><a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxMik8L3NjcmlwdD4=">数据链接</a></p>',
    '<p>嵌入<embed src="x.swf">后文</p>',
])
BODY = article("NW202201110000000301", "正文有毒的文章", BODY_HTML)
BODY_PARAGRAPHS = [
    "第一段 {{ site.github }} 与 {% include secret.txt %} 以及 {%- raw -%} 结束",
    "点我 一 二 三 四 五",
    "图",
    "框尾",
    "矢量图后",
    "数据链接",
    # then the <embed> paragraph: see test_text_after_an_embed_survives
]

YAML_TITLE = ('--- a: "b" # c &x *y !!python/object/apply:os.system ["id"] | > \' %YAML ? - [1] {a: 1} '
              "{{ site }} {% include x %} \\ \u2028 \ufeff\tend")
YAML = article("NW202201110000000302", YAML_TITLE, "<p>标题想打破 YAML。</p>")

LONG = article("NW202201110000000303", "长" * 100_000, "<p>标题有十万字。</p>")

NUL = article("NW202201110000000304", "零\x00字节\x00标题", "<p>正文\x00含有NUL字节</p>")

# A fine article whose share link names a traversal instead of its code.
SHARE_TRAVERSAL = article("NW202201110000000305", "分享链接里的路径穿越", "<p>正文没问题。</p>",
                          share_code="../../etc/passwd")

# Served at a URL whose category slug is ``../../etc`` (percent-encoded slashes).
SLUG_TRAVERSAL = article("NW202201110000000306", "栏目名里的路径穿越", "<p>栏目名有问题。</p>")
SLUG_TRAVERSAL_URL = f"{SITE}/..%2F..%2Fetc/2022/01/11/NW202201110000000306.html"

#: Links a listing may carry that must never become a file name.
HOSTILE_LINKS = [
    SLUG_TRAVERSAL_URL,
    f"{SITE}/kejiribao/2022/01/11/..%2F..%2Fetc%2Fpasswd.html",
    f"{SITE}/kejiribao/2022/01/11/NW..%2F..%2F202201110000000307.html",
    f"{SITE}/kejiribao/2022/01/11/NW202201110000000308%00.html",
    f"{SITE}/kejiribao/2022/01/11/../../../../etc/passwd.html",
    f"{SITE}/kejiribao/2022/01/11/NW20220111%2F..%2F..%2Fx.html",
]
HOSTILE_CATEGORY = f"{SITE}/category/..%2F..%2Fetc.html"

WRITTEN = [BODY, YAML, LONG, NUL, SHARE_TRAVERSAL]


def _home(sandbox, match, query):
    links = "".join(f'<li><a href="{url}">x</a></li>\n' for url in HOSTILE_LINKS)
    page = render_home(sandbox.site.posts)
    extra = f'<a href="{HOSTILE_CATEGORY}">etc</a>\n<section>\n<ul>\n{links}</ul>\n</section>\n'
    return html_response(page.replace("</body>", extra + "</body>", 1))


def _hostile_category(sandbox, match, query):
    return html_response(render_category("etc", "etc", []).replace(
        "<ul>\n", f'<ul>\n<li><a href="{SLUG_TRAVERSAL_URL}">x</a></li>\n', 1))


def _slug_traversal_post(sandbox, match, query):
    return html_response(render_post(SLUG_TRAVERSAL))


def _hostile_list(sandbox, match, query):
    if "column=hostile" not in query:
        return None  # every other list keeps working
    records = [
        {"code": code, "showTime": "2022-01-11 10:00:00", "title": f"快讯 {n}", "mediaName": "东方财富网",
         "summary": f"第{n}条快讯的摘要。", "url": url}
        for n, (code, url) in enumerate([
            ("../../etc/passwd", "http://finance.eastmoney.com/a/../../../etc/passwd"),
            ("NW..%2F..%2F202201110000000401", "http://finance.eastmoney.com/a/..%2F..%2Fetc.html"),
            ("20220111000000040\x00", "http://finance.eastmoney.com/a/20220111000000040%00.html"),
            ("202201110000000402/../../x", "http://finance.eastmoney.com/a/202201110000000402.html"),
            ("202201110000000403", "http://finance.eastmoney.com/a/202201110000000403.html"),
        ], start=1)
    ]
    return json_response({"page": 1, "pageSize": 20, "total": len(records), "list": records})


@pytest.fixture(scope="module")
def hostile_site(corpus_dir):
    with SandboxServer(corpus_dir=corpus_dir, extra_posts=WRITTEN) as server:
        server.add_route("finews.withounder.com", r"/(?:index\.html)?", _home)
        server.add_route("finews.withounder.com", re.escape("/category/../../etc.html"), _hostile_category)
        server.add_route("finews.withounder.com", re.escape("/../../etc/2022/01/11/NW202201110000000306.html"),
                         _slug_traversal_post)
        server.add_route("finews.zning.xyz", r"/NewsData/GetNewsList\.do", _hostile_list)
        yield server


def crawl(spider: str, server: SandboxServer, root: Path, settings=None) -> tuple[CrawlResult, list[dict]]:
    """A crawl whose work directory sits three levels inside ``root``; returns the feed records too.

    The feed goes to a file of its own and is split on ``\\n`` only: JSON Lines may hold a raw
    U+2028 inside a string, which ``str.splitlines`` would take for a line end.
    """
    work = root / "a" / "b" / "c" / "work"
    feed = work / f"records-{spider}.jsonl"
    settings = {"FEEDS": json.dumps({str(feed): {"format": "jsonlines", "encoding": "utf8"}}), **(settings or {})}
    result = run_crawl(spider, sandbox=server, workdir=work, settings=settings)
    records = [json.loads(line) for line in feed.read_text("utf-8").split("\n") if line] if feed.exists() else []
    return result, records


@pytest.fixture(scope="module")
def finews_crawl(hostile_site, tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    result, records = crawl("finews", hostile_site, root)
    return root, result, records


def posts_by_code(result: CrawlResult) -> dict[str, Path]:
    return {path.stem.split("-", 3)[3]: path for path in result.posts().values()}


# --- what the posts say -------------------------------------------------------------------------

BANNED = [
    "<script", "<iframe", "<style", "<object", "<embed", "<svg", "<form", "<base", "<meta", "<link",
    "javascript:", "vbscript:", "data:", "alert(", "color:red", "style=", "x.swf",
]


def test_the_body_keeps_its_text_and_loses_everything_active(finews_crawl):
    _, result, _ = finews_crawl
    path = posts_by_code(result)[BODY.info_code]
    post = read_post(path)
    assert post.paragraphs[:-1] == BODY_PARAGRAPHS  # Liquid shown literally once rendered, not executed
    assert post.paragraphs[-1].startswith("嵌入")
    body = path.read_text("utf-8").split("\n---\n", 1)[1]
    for bad in BANNED:
        assert bad not in body.lower(), bad
    assert not re.search(r"\son\w+\s*=", body), body
    assert "{{" not in body and "{%" not in body
    soup = BeautifulSoup(post.body, "html.parser")
    urls = [a["href"] for a in soup.find_all("a", href=True)] + [i["src"] for i in soup.find_all("img")]
    assert urls and all(re.match(r"https?://", u) for u in urls), urls
    assert images(post.body) == ["https://example.com/a.png"]
    assert result.stats["sanitize/paragraphs_changed"] >= 4


def test_a_title_made_of_yaml_breakers_round_trips(finews_crawl):
    _, result, records = finews_crawl
    path = posts_by_code(result)[YAML.info_code]
    front = path.read_text("utf-8").split("\n---\n", 1)[0]
    assert len(front.split("\n")) == 6  # the title stayed on its line: nothing new in the front matter
    assert read_post(path).front_matter["title"] == YAML_TITLE
    assert [r["title"] for r in records if r["info_code"] == YAML.info_code] == [YAML_TITLE]


def test_a_100_kb_title_is_cut_and_counted_and_the_post_appears(finews_crawl):
    _, result, records = finews_crawl
    post = read_post(posts_by_code(result)[LONG.info_code])
    assert post.front_matter["title"] == "长" * 299 + "…"
    assert post.paragraphs == ["标题有十万字。"]
    assert result.stats["sanitize/title_truncated"] == 1


def test_nul_bytes_never_reach_a_file_and_the_post_appears(finews_crawl):
    root, result, records = finews_crawl
    post = read_post(posts_by_code(result)[NUL.info_code])
    assert post.front_matter["title"] == "零字节标题"
    assert len(post.paragraphs) == 1 and post.paragraphs[0].startswith("正文")
    for path in root.rglob("*"):
        if path.is_file() and path.suffix in (".md", ".jsonl", ".csv"):
            assert b"\x00" not in path.read_bytes(), path


def test_text_after_an_embed_survives(finews_crawl):
    _, result, _ = finews_crawl
    assert read_post(posts_by_code(result)[BODY.info_code]).paragraphs[-1] == "嵌入后文"


def test_a_nul_byte_in_the_body_simply_disappears(finews_crawl):
    _, result, _ = finews_crawl
    assert read_post(posts_by_code(result)[NUL.info_code]).paragraphs == ["正文含有NUL字节"]


def test_a_share_link_naming_a_traversal_does_not_name_the_file(finews_crawl):
    _, result, _ = finews_crawl
    path = posts_by_code(result)[SHARE_TRAVERSAL.info_code]  # named by the code in its URL
    assert read_post(path).front_matter["title"] == "分享链接里的路径穿越"


def test_hostile_links_and_slugs_write_nothing_and_the_slug_is_refused(finews_crawl, hostile_site):
    _, result, _ = finews_crawl
    assert_crawl_survived(result)
    assert result.returncode == 0, result.log[-3000:]
    # the post behind the ../../etc slug was fetched and refused by validation, with its reason
    assert result.stats["validate/dropped/bad_category"] == 1
    assert "Dropped: bad_category: category '../../etc' is not a safe slug" in result.log
    # only the corpus and the fine hostile articles are posts
    expected = {post_name(p) for p in (*hostile_site.posts,) if p is not SLUG_TRAVERSAL}
    assert set(result.posts()) == expected
    assert_site_sound(result.site_dir.parent, [result])


def test_nothing_is_written_outside_site_dir(finews_crawl, emnews_crawl):
    for root, result in ((finews_crawl[0], finews_crawl[1]), (emnews_crawl[0], emnews_crawl[1])):
        work = result.site_dir.parent
        allowed = [work / "site" / "_posts", work / "state"]
        for path in root.rglob("*"):
            assert not re.search(r"passwd|etc", path.name), path
            if path.is_dir():
                continue
            inside = any(path.is_relative_to(folder) for folder in allowed)
            own = path.parent == work and re.fullmatch(r"(stats|feed|records)-[\w.-]+", path.name)
            assert inside or own, f"unexpected file {path.relative_to(root)}"
            if path.is_relative_to(work / "site" / "_posts"):
                assert re.fullmatch(r"\d{4}-\d\d-\d\d-[A-Za-z]{0,4}\d{6,24}\.md", path.name), path


# --- info codes straight from a JSON listing (the emnews spider uses them as they come) ----------


@pytest.fixture(scope="module")
def emnews_crawl(hostile_site, tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile-codes")
    list_url = "http://finews.zning.xyz/NewsData/GetNewsList.do?column=hostile&page=1&pageSize=20"
    result, records = crawl("emnews", hostile_site, root, settings={"EMNEWS_LIST_URL": list_url})
    return root, result, records


def test_hostile_info_codes_are_refused_and_the_fine_record_is_written(emnews_crawl):
    _, result, records = emnews_crawl
    assert_crawl_survived(result)  # 4 of 5 records refused: the health check may rightly exit 1
    assert list(result.posts()) == ["2022-01-11-202201110000000403.md"]
    assert [r["info_code"] for r in records] == ["202201110000000403"]
    assert result.stats["validate/dropped"] == 4
    assert result.stats["validate/dropped/missing_info_code"] == 4
    assert_site_sound(result.site_dir.parent, [result])
