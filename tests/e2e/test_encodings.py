"""GBK/GB18030 pages with correct, wrong and missing charsets, and dates a post cannot carry
(issue 4, part 2).

Scrapy believes the HTTP header first, so a GBK page served as ``charset=utf-8`` becomes mojibake
without any error; ``crawler.middlewares.encoding`` reads such pages again as GB18030. One crawl
carries every charset variant (one article each) and the two bad dates; the share spider's
fallback page gets its own crawl. Expected text comes from the sandbox's posts (corpus pieces)
or is written here by hand.
"""

from __future__ import annotations

import re

import pytest
from scrapy.http import HtmlResponse

from crawler.middlewares.encoding import better_encoding
from sandbox import Post, SandboxServer, synthetic_posts
from sandbox.render_finews import render_post
from sandbox.server import html_response
from tests.conftest import CORPUS_DIR
from tests.crawling import run_crawl
from tests.e2e.test_bad_web import assert_crawl_survived, assert_site_sound, page_regex, post_name
from tests.postfile import read_post, visible_paragraphs

FINEWS = "finews.withounder.com"
SHARE = "finews.zning.xyz"

#: fault kind (``gbk:<header charset>:<meta charset>``) → what Scrapy alone makes of the page
VARIANTS = {
    "gbk": "gbk declared in header and meta: Scrapy reads it right",
    "gbk:gbk:none": "header only: Scrapy reads it right",
    "gbk:none:gbk": "meta only: Scrapy reads it right",
    "gbk:utf-8:utf-8": "utf-8 declared in both: mojibake without the middleware",
    "gbk:utf-8:gbk": "the header contradicts the meta and wins: mojibake without the middleware",
    "gbk:none:none": "nothing declared: Scrapy guesses (charset-normalizer), the middleware checks",
}
WRONG_HEADER = ["gbk:utf-8:utf-8", "gbk:utf-8:gbk"]

#: Characters GBK lacks (GB18030 has them in four bytes) or puts in odd places, by hand.
RARE_TITLE = "𠮷野家与㐀字：GB18030 四字节“汉字”€"
RARE_PARAGRAPH = "四字节字符𠮷、㐀和€在GB18030里都能表示；全角（括号）与・中点也一样。"
RARE = Post(
    info_code="NW202201110000000101",
    title=RARE_TITLE,
    date_raw="2022-01-11 09:00:00 +0800",
    category="kejiribao",
    tags=["科技日报新闻"],
    body=(
        f"<p>{RARE_PARAGRAPH}</p>\n"
        '<p class="em_media">（文章来源：科技日报）</p>\n\n'
        "<http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW202201110000000101>\n\n"
        "[返回科技日报新闻](//finews.withounder.com/category/kejiribao.html)｜[返回首页](//finews.withounder.com/)"
    ),
)


def _dated(code: str, date_raw: str) -> Post:
    return Post(code, f"日期测试 {code}", date_raw, "kejiribao", ["科技日报新闻"],
                "<p>正文一段，日期有问题。</p>\n"
                '<p class="em_media">（文章来源：科技日报）</p>\n\n'
                "[返回科技日报新闻](//finews.withounder.com/category/kejiribao.html)｜[返回首页](//finews.withounder.com/)")


FUTURE = _dated("NW209901010000000102", "2099-01-01 08:00:00 +0800")
BAD_DATE = _dated("NW202201110000000103", "2022-01-11 08:00:00 +0800")
BAD_DATE_TEXT = "2022-02-30 25:61:00"  # has the page's date shape, is no date


def _bad_date_page(sandbox, match, query):
    good = f"{BAD_DATE.local_time:%Y-%m-%d %H:%M:%S}</small>"
    return html_response(render_post(BAD_DATE).replace(good, f"{BAD_DATE_TEXT}</small>", 1))


def expected_paragraphs(post: Post) -> list[str]:
    """The visible paragraphs of a post's source body (the part above the source line)."""
    body = re.split(r'<p class="em_media">|\n\n<http', post.body)[0]
    return visible_paragraphs(body)


@pytest.fixture(scope="module")
def charset_crawl(corpus_dir, tmp_path_factory):
    posts = synthetic_posts(len(VARIANTS), seed=41, category="kejiribao")
    extra = [*posts, RARE, FUTURE, BAD_DATE]
    with SandboxServer(corpus_dir=corpus_dir, extra_posts=extra) as server:
        by_variant = dict(zip(VARIANTS, posts))
        for kind, post in by_variant.items():
            server.add_fault(FINEWS, page_regex(post), kind)
        server.add_fault(FINEWS, page_regex(RARE), "gbk:utf-8:none")
        server.add_fault(FINEWS, r"/category/kejiribao\.html", "gbk:utf-8:utf-8")  # the listing too
        server.add_route(FINEWS, re.escape(BAD_DATE.url_path), _bad_date_page)
        work = tmp_path_factory.mktemp("charsets")
        # The share API's UTF-8 text would replace the post page's body: read the page alone.
        result = run_crawl("kejiribao", sandbox=server, workdir=work, settings={"FOLLOW_SHARE_LINKS": "False"})
    return result, by_variant


@pytest.mark.parametrize("kind", VARIANTS)
def test_a_gbk_page_gives_the_right_chinese_text(charset_crawl, kind):
    result, by_variant = charset_crawl
    post = by_variant[kind]
    written = read_post(result.posts()[post_name(post)])
    assert written.front_matter["title"] == post.title
    assert written.paragraphs == expected_paragraphs(post)
    assert written.source_line == '<p class="em_media">（文章来源：科技日报）</p>'
    assert "\ufffd" not in written.path.read_text("utf-8")


def test_characters_only_gb18030_has_survive_a_wrong_header(charset_crawl):
    result, _ = charset_crawl
    written = read_post(result.posts()[post_name(RARE)])
    assert written.front_matter["title"] == RARE_TITLE
    assert written.paragraphs == [RARE_PARAGRAPH]


def test_corrections_are_counted_and_logged(charset_crawl):
    result, by_variant = charset_crawl
    assert_crawl_survived(result)
    assert result.returncode == 0, result.log[-3000:]
    # the two wrong-header articles, the rare-character one and the category page
    assert result.stats["encoding/corrected/utf-8->gb18030"] == len(WRONG_HEADER) + 2
    for kind in WRONG_HEADER:
        path = re.escape(by_variant[kind].url_path)
        assert re.search(rf"encoding corrected: \S*{path} read as gb18030, not utf-8 \(declared: utf-8 in the header\)",
                         result.log), kind
    # a page declared right is never touched
    for kind in ("gbk", "gbk:gbk:none", "gbk:none:gbk"):
        assert by_variant[kind].url_path not in "\n".join(
            line for line in result.log.splitlines() if "encoding corrected" in line)


def test_a_future_or_unreadable_date_is_dropped_with_its_reason(charset_crawl):
    result, _ = charset_crawl
    assert post_name(FUTURE) not in result.posts()
    assert not [name for name in result.posts() if BAD_DATE.info_code in name]
    assert result.stats["validate/dropped/future_date"] == 1
    assert result.stats["validate/dropped/bad_date"] == 1
    assert re.search(r"Dropped: future_date: publish date 2099-01-01T08:00:00\+08:00 is in the future", result.log)
    assert f"Dropped: bad_date: cannot read a date from '(GMT+8, Asia/Shanghai, CST) {BAD_DATE_TEXT}'" in result.log
    posts = assert_site_sound(result.site_dir.parent, [result])
    assert len(posts) == len(VARIANTS) + 2  # the variants, the rare one, the real kejiribao article


def test_the_share_spider_reads_a_gbk_public_page_served_as_utf8(corpus_dir, tmp_path):
    """Eastmoney's public pages were GBK for years; the share flow's fallback meets them."""
    with SandboxServer(corpus_dir=corpus_dir) as server:
        server.add_fault(SHARE, r"/NewsData/GetNewsText\.do", "500")
        server.add_fault("finance.eastmoney.com", r"/a/", "gbk:utf-8:utf-8")
        result = run_crawl("share", sandbox=server, workdir=tmp_path, settings={"RETRY_TIMES": "0"},
                           args={"urls": "http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW202201112243997097"})
    assert_crawl_survived(result)  # exit 1 is allowed: the API's 500 is an error the monitors judge
    assert result.stats["share/from_public_page"] == 1
    assert result.stats["encoding/corrected/utf-8->gb18030"] == 1
    post = read_post(result.posts()["2022-01-11-NW202201112243997097.md"])
    seed = read_post(CORPUS_DIR / "seed" / "2022-01-11-NW202201112243997097.md")
    assert post.front_matter["title"] == seed.front_matter["title"]
    assert "date: 2022-01-11 21:48:00 +0800" in post.front_matter_text  # 2022年01月11日 21:48
    assert post.paragraphs == seed.paragraphs


# --- the rule itself, on real Scrapy responses (no crawl) ---------------------------------------

PAGE = "<html><head>{meta}<title>{title}</title></head><body><h1>{title}</h1><p>{text}</p></body></html>"


def response(title: str, text: str, encoding: str, header: str | None, meta: str = "", bom: bytes = b"") -> HtmlResponse:
    body = bom + PAGE.format(meta=meta, title=title, text=text).encode(encoding)
    headers = {"Content-Type": f"text/html; charset={header}" if header else "text/html"}
    return HtmlResponse("https://finews.withounder.com/x.html", body=body, headers=headers)


TEXT = "据科技日报报道，今年以来，数字技术加快向农村地区延伸。"


@pytest.mark.parametrize(
    "title, text, encoding, header, meta, expected",
    [
        # short GBK pages with nothing declared: Scrapy's guess is Korean or Big5
        ("科技日报", "", "gb18030", None, "", "gb18030"),
        ("沪镍强势涨停", "", "gb18030", None, "", "gb18030"),
        # declared utf-8, bytes GBK
        ("向实而行", TEXT, "gb18030", "utf-8", "", "gb18030"),
        ("向实而行", TEXT, "gb18030", None, '<meta charset="utf-8">', "gb18030"),
        # declared gbk, bytes UTF-8: valid UTF-8 is never an accident
        ("向实而行", TEXT, "utf-8", "gbk", "", "utf-8"),
        # right as declared: left alone
        ("向实而行", TEXT, "utf-8", "utf-8", "", None),
        ("向实而行", TEXT, "gb18030", "gb2312", "", None),
        ("向实而行", TEXT, "gb18030", None, '<meta charset="gbk">', None),
        # pure ASCII: every candidate reads it the same
        ("finews", "plain text", "ascii", "utf-8", "", None),
        # a declared single-byte charset that decodes without error is trusted (a known limit)
        ("向实而行", TEXT, "gb18030", "iso-8859-1", "", None),
    ],
)
def test_which_encoding_a_page_is_read_in(title, text, encoding, header, meta, expected):
    page = response(title, text, encoding, header, meta)
    assert better_encoding(page) == expected
    if expected:
        assert title in page.replace(encoding=expected).text


def test_a_utf8_page_with_one_damaged_character_stays_utf8():
    page = response("向实而行", TEXT * 5, "utf-8", "utf-8")
    cut = page.body.index("农村".encode()) + 1  # half of a character
    damaged = page.replace(body=page.body[:cut] + page.body[cut + 2:])
    assert better_encoding(damaged) is None


def test_a_bom_outranks_everything():
    page = response("向实而行", "正文", "utf-8", "gbk", bom=b"\xef\xbb\xbf")
    assert better_encoding(page) is None
    assert "向实而行" in page.text
