"""The sandbox site over real HTTP: what a crawler pointed at it through MIRRORS will see.

Expected values come from the corpus files (read here with a few lines of independent parsing)
or are written by hand — never from the sandbox's own renderers.
"""

import http.client
import json
import re
import socket
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

import lxml.etree
import lxml.html
import pytest
import yaml

from sandbox import Post, SandboxServer

SITE = "https://finews.withounder.com"
HOST = "finews.withounder.com"
ATOM = "{http://www.w3.org/2005/Atom}"


# --- independent reading of the corpus files ---------------------------------------------------


def corpus_files(corpus_dir):
    """(info_code, file date 'YYYY-MM-DD', front matter dict, front-matter text, body) per file."""
    out = []
    for folder in ("_posts", "old_post"):
        for path in sorted((corpus_dir / "finews_posts" / folder).glob("*.md")):
            _, fm, body = path.read_text(encoding="utf-8").split("---\n", 2)
            out.append((path.stem[11:], path.stem[:10], yaml.safe_load(fm), fm, body))
    return out


def expected_path(code, file_date, meta):
    """``/<category>/YYYY/MM/DD/<code>.html``; in this corpus the local date is the file's date."""
    return "/" + quote(meta["categories"]) + "/" + file_date.replace("-", "/") + f"/{code}.html"


def get(url, method="GET"):
    """(status, headers, body bytes) for a real HTTP request; HTTP errors are returned, not raised."""
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def page(server, path):
    status, headers, body = get(server.mirrors()[HOST] + path)
    assert status == 200, path
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    return lxml.html.fromstring(body.decode("utf-8"))


def links(section):
    return [(a.get("href"), a.text_content()) for a in section.findall(".//li/a")]


def norm(nodes):
    """Elements, attributes, text and comments of HTML nodes, ignoring whitespace between tags."""
    out = []
    for node in nodes:
        for el in node.iter():
            tag = el.tag if isinstance(el.tag, str) else "<!-- -->"
            ws = " \t\r\n"
            out.append((tag, sorted(el.attrib.items()), (el.text or "").strip(ws), (el.tail or "").strip(ws)))
    return out


@pytest.fixture(scope="module")
def files(corpus_dir):
    return corpus_files(corpus_dir)


@pytest.fixture
def own_server(corpus_dir):
    """A private server for tests that change the site (the session one is shared)."""
    with SandboxServer(corpus_dir=corpus_dir) as server:
        yield server


# --- pages ---------------------------------------------------------------------------------------


def test_mirrors_route_by_canonical_host(sandbox):
    assert sandbox.base_url.startswith("http://127.0.0.1:")
    assert sandbox.mirrors() == {
        "finews.withounder.com": sandbox.base_url + "/finews.withounder.com",
        "finews.zning.xyz": sandbox.base_url + "/finews.zning.xyz",
        "finance.eastmoney.com": sandbox.base_url + "/finance.eastmoney.com",
        "stock.eastmoney.com": sandbox.base_url + "/stock.eastmoney.com",  # a digest links there
    }


def test_category_page_lists_post_with_canonical_link(sandbox):
    section = page(sandbox, "/category/kejiribao.html").find(".//section")
    assert section.findtext("h2") == "科技日报新闻"
    assert links(section) == [
        (
            "https://finews.withounder.com/kejiribao/2022/01/11/NW202201112243997097.html",
            "向实而行 科技大厂的数字技术“上山下乡”",
        )
    ]


def test_category_page_newest_first_with_every_post(sandbox):
    section = page(sandbox, "/category/quanshangzhongguo.html").find(".//section")
    assert section.findtext("h2") == "券商中国新闻"
    assert [href.rsplit("/", 1)[1] for href, _ in links(section)] == [
        "NW202205302395495176.html",
        "NW202203072299232330.html",
        "NW202201072239307540.html",
    ]


@pytest.mark.parametrize(
    "path",
    [
        "/category/zhongguozhengquanbao%C2%B7zhongzhengwang.html",
        "/category/zhongguozhengquanbao%c2%b7zhongzhengwang.html",
    ],
)
def test_category_with_middle_dot_percent_encoded(sandbox, path):
    section = page(sandbox, path).find(".//section")
    assert section.findtext("h2") == "中国证券报·中证网新闻"
    assert links(section) == [
        (
            "https://finews.withounder.com/zhongguozhengquanbao%C2%B7zhongzhengwang/2022/03/17/NW202203172312490456.html",
            "中证报社评：精准发力 提振信心",
        )
    ]


def test_raw_utf8_path_is_accepted(sandbox):
    """A client that sends the slug unencoded gets the same page."""
    path = "/finews.withounder.com/category/zhongguozhengquanbao·zhongzhengwang.html"
    with socket.create_connection((sandbox.host, sandbox.port), timeout=10) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode("utf-8"))
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 200")
    assert "中证报社评：精准发力 提振信心" in reply.decode("utf-8")


def test_every_corpus_post_is_served(sandbox, files):
    assert len(files) == 30
    for code, file_date, meta, fm, body in files:
        path = expected_path(code, file_date, meta)
        section = page(sandbox, path).find(".//section")
        assert section.findtext("h1") == meta["title"], path
        assert section.findall("small")[-1].xpath("string()") == "tags: " + meta["tags"]
        # the body's HTML (everything before the footer) survives markdown unchanged in meaning
        html_part = body.split("\n\n<http")[0]
        if html_part.startswith("<"):
            expected = norm(lxml.html.fragments_fromstring(html_part))
            served = norm(section[2:])  # after <small> and <h1>
            assert served[: len(expected)] == expected, path
        # footer: the autolink paragraph and the return links become real links
        hrefs = [a.get("href") for a in section.iter("a")]
        autolink = re.search(r"^<(http[^>]+)>$", body, re.M).group(1)
        assert autolink in hrefs
        for href in re.findall(r"\]\(([^)]+)\)", body):
            assert href in hrefs


def test_post_page_local_time_and_exact_head(sandbox):
    status, headers, body = get(
        sandbox.mirrors()[HOST] + "/kejiribao/2022/01/11/NW202201112243997097.html"
    )
    text = body.decode("utf-8")
    assert int(headers["Content-Length"]) == len(body)
    assert '<meta charset="utf-8">' in text
    assert "<title>向实而行 科技大厂的数字技术“上山下乡” | finews</title>" in text
    assert (
        "<section>\n<small>(GMT+8, Asia/Shanghai, CST) 2022-01-11 21:48:28</small>\n"
        "<h1>向实而行 科技大厂的数字技术“上山下乡”</h1>\n<p>一些微小但深刻的变化正在发生。</p>"
    ) in text
    assert text.rstrip().endswith("<small>tags: <em>科技日报新闻</em></small>\n</section>\n</body>\n</html>")
    assert '<p class="em_media">（文章来源：科技日报）</p>' in text


def test_offsetless_date_shows_eight_hours_late(sandbox):
    """``date: 2021-12-08 10:46:18`` (no offset): Jekyll 4 reads UTC, the page shows 18:46:18."""
    section = page(sandbox, "/emnews/2021/12/08/202112082206672930.html").find(".//section")
    assert section.findtext("small") == "(GMT+8, Asia/Shanghai, CST) 2021-12-08 18:46:18"
    assert section.findtext("p") == "离岸人民币兑美元升至6.3512，为2018年以来最高水平。"


def test_home_has_each_tag_with_at_most_five_newest(sandbox, files):
    root = page(sandbox, "/")
    assert lxml.html.tostring(root) == lxml.html.tostring(page(sandbox, "/index.html"))
    tags = {meta["tags"] for _, _, meta, _, _ in files}
    section = root.find(".//section")
    headings = [h.text for h in section.findall("h2")]
    assert sorted(headings) == sorted(tags)
    for h2 in section.findall("h2"):
        ul = h2.getnext()
        assert ul.tag == "ul" and 1 <= len(ul) <= 5
        for href, title in links(ul):
            (meta,) = [m for c, _, m, _, _ in files if href.endswith(f"/{c}.html")]
            assert meta["tags"] == h2.text and meta["title"] == title
    nav = [a.get("href") for a in root.findall(".//nav/a")]
    assert "https://finews.withounder.com/category/kejiribao.html" in nav
    assert "https://finews.withounder.com/category/zhengquanshibao%C2%B7egongsi.html" in nav
    assert len(nav) == len({meta["categories"] for _, _, meta, _, _ in files})


def test_feed_has_ten_newest_entries(sandbox, files):
    status, headers, body = get(sandbox.mirrors()[HOST] + "/feed.xml")
    assert status == 200
    assert headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    feed = lxml.etree.fromstring(body)
    entries = feed.findall(f"{ATOM}entry")
    newest = sorted(files, key=lambda f: re.search(r"^date: (.*)$", f[3], re.M).group(1), reverse=True)
    assert [e.findtext(f"{ATOM}id") for e in entries] == [
        SITE + expected_path(code, d, meta) for code, d, meta, _, _ in newest[:10]
    ]
    first = entries[0]
    assert first.findtext(f"{ATOM}title") == "升职≠加薪！腾讯薪酬改革刷屏 什么情况？网友：大厂也卷起来了？"
    assert first.findtext(f"{ATOM}published") == "2022-06-02T08:37:57+08:00"
    assert first.find(f"{ATOM}link").get("href") == first.findtext(f"{ATOM}id")
    assert [c.get("term") for c in first.findall(f"{ATOM}category")] == ["zhengquanshibao", "证券时报新闻"]
    assert "（文章来源：证券时报）" in first.findtext(f"{ATOM}content")
    published = [e.findtext(f"{ATOM}published") for e in entries]
    assert published == sorted(published, reverse=True)


# --- protocol, request log, errors ---------------------------------------------------------------


def test_hits_counted_per_path_and_reset(sandbox):
    base = sandbox.mirrors()[HOST]
    get(base + "/category/kejiribao.html")
    get(base + "/category/kejiribao.html")
    get(base + "/category/zhongguozhengquanbao%C2%B7zhongzhengwang.html")
    get(base + "/feed.xml?x=1")
    get(sandbox.mirrors()["finews.zning.xyz"] + "/nothing")
    assert sandbox.hits(HOST, "/category/kejiribao.html") == 2
    assert sandbox.hits(HOST, "/category/zhongguozhengquanbao·zhongzhengwang.html") == 1
    assert sandbox.hits(HOST, "/category/") == 3
    assert sandbox.hits(HOST, "/feed.xml?x=1") == 1
    assert sandbox.hits(HOST) == 4
    assert sandbox.hits() == 5
    assert sandbox.hit_paths(HOST) == [
        "/category/kejiribao.html",
        "/category/zhongguozhengquanbao%C2%B7zhongzhengwang.html",
        "/feed.xml?x=1",
    ]
    status, _, body = get(sandbox.base_url + "/__sandbox__/hits")
    report = json.loads(body)
    assert status == 200 and report["total"] == 5
    assert {"host": HOST, "path": "/category/kejiribao.html", "count": 2} in report["hits"]
    assert sandbox.hits() == 5  # the control endpoint is not counted
    sandbox.reset_hits()
    assert sandbox.hits() == 0 and sandbox.hit_paths() == []


@pytest.mark.parametrize(
    "path",
    [
        "/finews.withounder.com/no/such/page.html",
        "/finews.withounder.com/category/nosuchcategory.html",
        "/finews.withounder.com/kejiribao/2022/01/12/NW202201112243997097.html",  # wrong date
        "/finews.withounder.com/kejiribao/2022/01/11/NW000000000000000000.html",
        "/unknown.example.com/",
        "/favicon.ico",
    ],
)
def test_unknown_paths_are_404(sandbox, path):
    status, headers, body = get(sandbox.base_url + path)
    assert status == 404
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert b"404" in body


def test_head_and_keep_alive(sandbox):
    conn = http.client.HTTPConnection(sandbox.host, sandbox.port, timeout=10)
    try:
        path = "/finews.withounder.com/category/kejiribao.html"
        conn.request("GET", path)
        got = conn.getresponse()
        body = got.read()
        assert got.status == 200 and not got.will_close
        conn.request("HEAD", path)  # same connection
        head = conn.getresponse()
        assert head.read() == b""
        assert int(head.headers["Content-Length"]) == len(body)
    finally:
        conn.close()
    assert sandbox.hits(HOST, "/category/kejiribao.html") == 2


def test_added_post_appears(own_server):
    post = Post(
        info_code="NW202206032400000001",
        title="新增测试文章 <标题> & 符号",
        date_raw="2022-06-03 09:15:00 +0800",
        category="kejiribao",
        tags=["科技日报新闻"],
        body="<p>第一段。</p><p class=\"em_media\">（文章来源：科技日报）</p>\n",
    )
    base = own_server.mirrors()[HOST]
    before = page(own_server, "/category/kejiribao.html")  # cached now; must be invalidated
    assert len(links(before.find(".//section"))) == 1
    own_server.add_post(post)
    assert links(page(own_server, "/category/kejiribao.html").find(".//section")) == [
        (
            "https://finews.withounder.com/kejiribao/2022/06/03/NW202206032400000001.html",
            "新增测试文章 <标题> & 符号",
        ),
        (
            "https://finews.withounder.com/kejiribao/2022/01/11/NW202201112243997097.html",
            "向实而行 科技大厂的数字技术“上山下乡”",
        ),
    ]
    section = page(own_server, "/kejiribao/2022/06/03/NW202206032400000001.html").find(".//section")
    assert section.findtext("h1") == "新增测试文章 <标题> & 符号"
    feed = lxml.etree.fromstring(get(base + "/feed.xml")[2])
    assert feed.find(f"{ATOM}entry").findtext(f"{ATOM}id").endswith("/NW202206032400000001.html")


def test_home_keeps_five_newest_per_tag(own_server):
    start = datetime(2022, 7, 1, 8, 0, tzinfo=timezone(timedelta(hours=8)))
    for i in range(7):
        when = start + timedelta(hours=i)
        own_server.add_post(
            Post(
                info_code=f"NW20220701000000000{i}",
                title=f"合成文章{i}",
                date_raw=f"{when:%Y-%m-%d %H:%M:%S} +0800",
                published=when,
                category="hecheng",
                tags=["合成新闻"],
                body="<p>正文</p>\n",
            )
        )
    section = page(own_server, "/").find(".//section")
    (h2,) = [h for h in section.findall("h2") if h.text == "合成新闻"]
    assert [title for _, title in links(h2.getnext())] == [f"合成文章{i}" for i in (6, 5, 4, 3, 2)]
    assert len(links(page(own_server, "/category/hecheng.html").find(".//section"))) == 7
