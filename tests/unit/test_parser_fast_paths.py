"""The post-page parser's shortcuts give what the general code gives, on the real corpus pages
rendered as the sandbox serves them, on synthetic ones and on hand-made odd cases.

Each shortcut (issue 6: the parser's cost per page) skips work only where the work could not
change the answer. The references here are the general code itself: Scrapy's own selector tree,
``urlsplit``/``parse_qs``, lxml's ``itertext``/``iter``/``tostring``, and the slow helpers as they
were before the shortcuts, copied below so a later edit of the fast code cannot move them too.
"""

import datetime as dt
import json
import random
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from lxml import etree
from scrapy.http import HtmlResponse

from itemloaders.processors import MapCompose

from crawler import dates, loaders
from crawler.dates import SHANGHAI
from crawler.loaders import INFO_CODE, _CONTROL, clean_text, info_code_from
from crawler.pages import finews, html
from crawler.pages.finews import FinewsPostPage
from sandbox import render_finews
from sandbox.synthetic import synthetic_posts

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "pages" / "finews_post"

ODD_SECTIONS = [
    # hidden, never-content and widget nodes inside and between blocks; comments and images alone
    "<section><h1>T</h1><p style='display:none'>h</p><p>a <b hidden>x</b>b<!-- EM_StockImg_Start -->"
    "<span>w</span><!-- EM_StockImg_End -->c</p><p><script>x()</script></p><p><span style='visibility:hidden'>s</span></p>"
    "<p>\u3000\xa0</p><p><b>\u3000</b></p><p><!-- c --></p><p><!-- c -->t</p><center><img src='/i.png'></center>"
    "<img src='x.jpg'><p><img src='y.jpg'></p><p><strong>bold</strong> tail &amp; &lt;x&gt;</p>"
    "<p><a href='/category/x.html'>back</a></p></section>",
    # an autolink ends the body; a lone <a> block with a category link ends it too
    "<section><h1>T</h1><p><em>e</em></p><p><a href='https://finance.eastmoney.com/a/202201112243997097.html'>"
    "https://finance.eastmoney.com/a/202201112243997097.html</a></p><p>after</p></section>",
    "<section><h1>T</h1><p>x</p><a href='/category/y.html'>c</a><p>after</p></section>",
    "<section><h1>T</h1><div><a href='/x'><b>no</b></a></div><p class='x em_media'>（来源：某报）</p></section>",
    # the h1 not a child of the section; text around the lone child; tags lines of every shape
    "<section><div><h1>nested</h1></div><p>one</p><small> \n tags: <em>a</em><em>b</em></small></section>",
    "<section><h1>T</h1><p>x</p><small>ta<b>gs</b><em>c</em></small></section>",
    "<section><h1>T</h1><p>x</p><small>\t<b>tags</b>:<em>c</em></small></section>",
    "<section><h1>T</h1><p>x</p><small>tag</small><small><!-- x -->tags <em>d</em></small></section>",
    # a source line naming nothing; an empty title; a date the calendar lacks
    "<section><small>2022-02-30 10:00</small><h1> </h1><p>x</p><p class='em_media'>（来源： ）</p></section>",
]


@pytest.fixture(scope="module")
def post_pages(corpus_posts):
    """(canonical URL, bytes) of real and synthetic post pages, as the sandbox serves them."""
    posts = list(corpus_posts) + synthetic_posts(80, seed=21, base=corpus_posts)
    pages = [(p.url, render_finews.render_post(p).encode("utf-8")) for p in posts]
    for page in sorted(FIXTURES.glob("*.html")):
        pages.append((json.loads(page.with_suffix(".json").read_text("utf-8"))["url"], page.read_bytes()))
    url = "https://finews.withounder.com/kejiribao/2022/01/11/NW202201112243997097.html"
    pages += [(url, f"<html><body>{s}</body></html>".encode("utf-8")) for s in ODD_SECTIONS]
    return pages


def _variants(url, body):
    """The same page as other servers send it: other encodings, BOM, padding, NUL, bad bytes."""
    text = body.decode("utf-8")
    yield HtmlResponse(url=url, body=body, encoding="utf-8")
    yield HtmlResponse(url=url, body=body)  # encoding from the page's own <meta charset>
    yield HtmlResponse(url=url, body=body, headers={"Content-Type": "text/html; charset=UTF8"})
    yield HtmlResponse(url=url, body=text.encode("gb18030"), encoding="gb18030")
    yield HtmlResponse(url=url, body=body, headers={"Content-Type": "text/html; charset=gbk"})
    yield HtmlResponse(url=url, body=b"\xef\xbb\xbf" + body)
    yield HtmlResponse(url=url, body=b" \r\n\t" + body + b"\n\n", encoding="utf-8")
    yield HtmlResponse(url=url, body=body.replace(b"</h1>", b"</h1>\x00", 1), encoding="utf-8")
    yield HtmlResponse(url=url, body=body.replace(b"</h1>", b"</h1>\xff\xe4\xb8", 1), encoding="utf-8")
    yield HtmlResponse(url=url, body=body.replace(b"</h1>", b"</h1>\xed\xa0\x80", 1), encoding="utf-8")


def test_the_tree_is_the_one_scrapys_selector_builds(post_pages):
    for url, body in post_pages[:40]:
        for response in _variants(url, body):
            ours = html.document_root(response)
            theirs = response.selector.root  # parsel: response.text, stripped, NUL dropped, UTF-8
            assert etree.tostring(ours, encoding="unicode") == etree.tostring(theirs, encoding="unicode")


def test_the_body_bytes_are_used_only_when_they_are_that_utf8(post_pages):
    url, body = post_pages[0]
    used = [html._own_utf8(r) is not None for r in _variants(url, body)]
    # utf-8 given, from <meta>, from the header, padded with whitespace; not gb18030, BOM, NUL, bad bytes
    assert used == [True, True, True, False, False, False, True, False, False, False]


# The block helpers as they were before the shortcuts: every node through lxml's iterators and
# serialiser.

def _ref_text_of(el):
    return "".join(el.itertext()).strip()


def _ref_strip_invisible(el):
    doomed, in_widget = [], False
    for node in el.iterdescendants():
        if isinstance(node, etree._Comment):
            text = node.text or ""
            if html._WIDGET_START in text:
                in_widget = True
            elif html._WIDGET_END in text:
                in_widget = False
            doomed.append(node)
            continue
        if not isinstance(node.tag, str):
            doomed.append(node)
            continue
        if in_widget or node.tag in html._NEVER_CONTENT or html.is_hidden(node):
            doomed.append(node)
    for node in doomed:
        html.drop(node)


def _ref_has_content(el):
    if _ref_text_of(el).replace("\u3000", "").replace("\xa0", "").strip():
        return True
    return el.tag == "img" or next(el.iter("img"), None) is not None


def _ref_inner_html(el):
    parts = [html._escape_text(el.text)] if el.text else []
    for child in el:
        parts.append(etree.tostring(child, encoding="unicode", method="html", with_tail=True))
    return "".join(parts).strip()


def _ref_blocks(children, stop):
    in_widget = False
    for node in children:
        if isinstance(node, etree._Comment):
            text = node.text or ""
            in_widget = True if html._WIDGET_START in text else False if html._WIDGET_END in text else in_widget
            continue
        if not isinstance(node.tag, str):
            continue
        if stop is not None and stop(node):
            return
        if in_widget or node.tag in html._NEVER_CONTENT or html.is_hidden(node):
            continue
        _ref_strip_invisible(node)
        if _ref_has_content(node):
            yield node


def _ref_is_footer(page, el):
    if el.tag == "small" or page.source_class in (el.get("class") or "").split():
        return True
    if finews._autolink(el):
        return True
    return any(re.search(r"/category/[^/]+\.html$", a.get("href") or "") for a in el.iter("a"))


def _ref_body_and_images(url, body):
    """Body HTML and image URLs of a post page, found with the reference helpers on its own tree."""
    page = FinewsPostPage(HtmlResponse(url=url, body=body, encoding="utf-8"))
    if page.section is None:
        return [], []
    children = list(page.section)
    h1 = next(page.section.iter("h1"), None)
    start = children.index(h1) + 1 if h1 is not None and h1.getparent() is page.section else 0
    nodes = list(_ref_blocks(children[start:], lambda el: _ref_is_footer(page, el)))
    body_html = [_ref_inner_html(el) if el.tag != "img" else html.outer_html(el) for el in nodes]
    images = [page.response.urljoin(src) for el in nodes for img in el.iter("img") if (src := img.get("src"))]
    return body_html, images


def test_body_and_images_are_what_the_general_helpers_find(post_pages):
    seen_leaf = seen_plain = 0
    for url, body in post_pages:
        page = FinewsPostPage(HtmlResponse(url=url, body=body, encoding="utf-8"))
        assert (page.body(), page.images()) == _ref_body_and_images(url, body), url
        seen_leaf += sum(html.lone_leaf(el) is not None for el in page._body_nodes)
        seen_plain += sum(not len(el) for el in page._body_nodes)
    assert seen_leaf > 100 and seen_plain > 500  # both shortcuts were really taken


def test_visible_blocks_and_their_html_agree():
    for section in ODD_SECTIONS:
        a, b = (etree.fromstring(section, etree.HTMLParser()).find(".//section") for _ in range(2))
        nodes = list(html.visible_blocks(a.iterchildren()))
        pairs = list(html.visible_blocks_html(b.iterchildren()))
        assert [html.block_html(el) for el in nodes] == [h for _, h in pairs]
        assert [html.outer_html(el) for el in nodes] == [html.outer_html(el) for el, _ in pairs]


def test_text_and_content_of_every_element(post_pages):
    for _, body in post_pages:
        root = etree.fromstring(body, etree.HTMLParser())
        for el in root.iter():
            if isinstance(el.tag, str):
                assert html.text_of(el) == _ref_text_of(el)
                assert html.has_content(el) == _ref_has_content(el)


def test_stripping_a_lone_child_is_the_general_walk():
    cases = ["<p><b hidden>x</b></p>", "<p>a<script>s</script>b</p>", "<p><span style='display: none'>x</span>t</p>",
             "<p><b>kept</b></p>", "<p><!-- EM_StockImg_Start --></p>", "<p><b style='color:red'>kept</b></p>"]
    for case in cases:
        a, b = (etree.fromstring(case, etree.HTMLParser()).find(".//p") for _ in range(2))
        html.strip_invisible(a)
        _ref_strip_invisible(b)
        assert etree.tostring(a, encoding="unicode") == etree.tostring(b, encoding="unicode"), case


def test_tags_line_test_is_the_string_value_test(post_pages):
    smalls = []
    for _, body in post_pages:
        smalls += etree.fromstring(body, etree.HTMLParser()).iter("small")
    assert len(smalls) > 100
    for small in smalls:
        whole = etree.tostring(small, method="text", encoding="unicode", with_tail=False)
        assert finews._starts_with_tags(small) == whole.lstrip(" \t\r\n").startswith("tags")


def test_url_path_is_urlsplits(post_pages):
    urls = [url for url, _ in post_pages] + [
        "https://finews.withounder.com/", "https://finews.withounder.com", "http://a.b/x;p", "https://a/b?q", "https://a/b#f",
        "https://[::1]/x", "HTTPS://a/b", "https://a/b c", " https://a/b", "https://a/\u79d1/2022/01/01/NW123456.html",
        "https://a/%E7%A7%91/2022/01/01/NW123456.html", "https:///x", "https://user@a:80/p", "ftp://a/b", "https://a\tb/c",
    ]
    taken = 0
    for url in urls:
        path = finews._plain_url_path(url)
        if path is not None:
            taken += 1
            assert path == urlsplit(url).path, url
        page = FinewsPostPage(HtmlResponse(url=url, body=b"<html/>", encoding="utf-8")) if "\t" not in url.strip() and " " not in url.strip() else None
        if page is not None:
            assert (page.category(), page.info_code()) == _link_fields(finews.post_link_info(page.url)), url
    assert taken >= len(post_pages)


def _link_fields(info):
    return (info["category"], info["info_code"]) if info else (None, None)


def _ref_info_code_from(value):
    value = value.strip()
    if INFO_CODE.match(value):
        return value
    query = parse_qs(urlsplit(value).query)
    for key in ("infoCode", "infocode", "id"):
        for candidate in query.get(key, []):
            if INFO_CODE.match(candidate):
                return candidate
    return None


def test_info_code_from_share_links_is_parse_qs(post_pages):
    values = []
    for url, body in post_pages:
        share = FinewsPostPage(HtmlResponse(url=url, body=body, encoding="utf-8")).share_url()
        if share:
            values.append(share)
    assert len(values) > 50
    values += [
        "http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW202201112243997097",
        "http://finews.zning.xyz/NewsData/GetNewsText.do?id=NW202201112243997097#top",
        "http://a/b?infocode=NW12345678", "http://a/b?infoCode=NW12", "http://a/b?infoCode=NW12345678&x=1",
        "http://a/b?x=1&infoCode=NW12345678", "http://a/b#?infoCode=NW12345678", "http://a/b?infoCode=NW1234%35678",
        "http://a/b?infoCode=ABCDE12345678", "http://a/b?infoCode=NW12345678\n", " http://a/b?id=NW12345678 ",
        "http://a/?infoCode=NW12345678?x", "http://a/b?infoCode=", "NW202201112243997097", "202201112243997097",
        "http://a\u79d1/b?infoCode=NW12345678", "http://a/b?info%43ode=NW12345678", "http://a/b?x=NW12345678",
        "http://a/b?ID=NW12345678", "http://a/b?id=NW12345678&id=NW87654321", "http://a/b?id=NW1+2345678",
    ]
    for value in values:
        assert info_code_from(value) == _ref_info_code_from(value), value
    for value in ["http://[a/b?infoCode=NW12345678", "http://a]/b?id=NW12345678"]:  # urlsplit rejects these
        with pytest.raises(ValueError):
            _ref_info_code_from(value)
        with pytest.raises(ValueError):
            info_code_from(value)


def _ref_clean_text(value):
    value = _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n")).strip()
    return value or None


def test_clean_text_is_the_general_cleaning(post_pages):
    values = ["", " ", "\u3000标题\u3000", "a\r\nb", "a\rb", "\x00x\x1f", "x\x85y", "\ud800x", "\x7f", "t\u2028t", "\ufeffx"]
    for url, body in post_pages[:40]:
        page = FinewsPostPage(HtmlResponse(url=url, body=body, encoding="utf-8"))
        values += [v for v in (page.title(), page.published_raw(), page.source_raw(), *page.tags()) if v]
    rng = random.Random(6)
    alphabet = ["a", " ", "\t", "\n", "\r", "\x00", "\x1f", "\x7f", "\x9f", "\xa0", "\u3000", "\ud800", "\udfff", "科", "\u2028"]
    values += ["".join(rng.choice(alphabet) for _ in range(rng.randrange(8))) for _ in range(3000)]
    for value in values:
        assert clean_text(value) == _ref_clean_text(value), repr(value)


@pytest.mark.parametrize("extra", [
    {"crawled_at": dt.datetime(2024, 1, 1, 8, 0, tzinfo=SHANGHAI)},
    {"layout": "x", "crawled_at": None},
    {"url": "https://example.com/a", "crawled_at": "", "layout": "finews_post"},
], ids=["crawled_at", "layout", "url"])
def test_straight_fill_is_the_item_loaders_item(post_pages, extra):
    taken = 0
    for url, body in post_pages:
        def page():
            return FinewsPostPage(HtmlResponse(url=url, body=body, encoding="utf-8"))
        straight = loaders._straight_fill(page(), dict(extra))
        real = loaders._fill(loaders.ArticleLoader(), page(), dict(extra))  # itemloaders' own ItemLoader
        assert straight is not None
        taken += 1
        assert list(straight.items()) == list(real.items())  # same fields, values and order
        assert list(loaders.load_article(page(), **extra).items()) == list(real.items())
    assert taken == len(post_pages)


def test_straight_fill_steps_aside_for_other_processors_and_values(post_pages):
    class TitleAsIs(loaders.ArticleLoader):
        title_in = MapCompose(str.strip)

    assert loaders._straight_fill_applies(loaders.ArticleLoader)
    assert not loaders._straight_fill_applies(TitleAsIs)
    url, body = post_pages[0]
    page = FinewsPostPage(HtmlResponse(url=url, body=body, encoding="utf-8"))
    assert loaders._straight_fill(page, {"tags": ["x"]}) is None  # a field with processors of its own
    assert loaders._straight_fill(page, {"crawled_at": ["2024"]}) is None  # a list, not one value
    general = loaders._fill(loaders.ArticleLoader(), page, {"tags": ["x"]})
    assert list(loaders.load_article(page, tags=["x"]).items()) == list(general.items())


def _ref_from_match(m, tz):
    """dates._from_match as it was: a naive datetime given its zone by replace()."""
    try:
        value = dt.datetime(int(m["y"]), int(m["m"]), int(m["d"]), int(m["H"] or 0), int(m["M"] or 0), int(m["S"] or 0))
    except ValueError:
        return None
    if m["tz"]:
        offset = m["tz"].replace(":", "")
        if offset == "Z":
            tzinfo = dt.timezone.utc
        else:
            sign = -1 if offset[0] == "-" else 1
            tzinfo = dt.timezone(sign * dt.timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5])))
        return value.replace(tzinfo=tzinfo).astimezone(tz)
    return value.replace(tzinfo=tz)


def test_absolute_dates_are_read_as_before(post_pages):
    texts = ["2022-01-11 21:48:28 +0800", "2022-01-11T13:48:28Z", "2022-02-30 10:00", "2022年1月11日 21:48",
             "2022/1/11", "2021-12-31 23:59:59 -05:30", "2024-02-29 00:00:00 +00:00", "2023-02-29", "1999.12.31 24:00"]
    for url, body in post_pages[:40]:
        raw = FinewsPostPage(HtmlResponse(url=url, body=body, encoding="utf-8")).published_raw()
        if raw:
            texts.append(raw)
    for text in texts:
        m = dates._ABSOLUTE.search(text)
        assert m is not None, text
        for tz in (SHANGHAI, dt.timezone.utc):
            assert dates._from_match(m, tz) == _ref_from_match(m, tz), text
            got, want = dates._from_match(m, tz), _ref_from_match(m, tz)
            assert (got.utcoffset(), got.tzinfo) == (want.utcoffset(), want.tzinfo) if want else got is None


class _OddPage:
    """A page object giving values of other kinds than a post page's: lists, tuples, blanks."""

    layout = "odd"
    url = "https://finews.withounder.com/x/2022/01/11/NW12345678.html"

    def __init__(self, **values):
        self.values = values

    def __getattr__(self, name):
        return lambda: self.values.get(name)


@pytest.mark.parametrize("values", [
    {"title": [" a ", "", "b"], "tags": ("t1", " ", "t2"), "body": ("<b>x</b>\n", ""), "images": ("i.png",)},
    {"digest": ["d1", "d2"], "article_url": "https://e.com/a", "source_raw": ["来源：甲", "乙"], "category": ""},
    {"share_url": "", "info_code": "NW12345678", "published_raw": ["2022-01-11 10:00", "x"], "tags": []},
    {"title": 5},  # an error for the real loader too
])
def test_load_article_takes_odd_values_as_the_item_loader_does(values):
    try:
        want = list(loaders._fill(loaders.ArticleLoader(), _OddPage(**values), {"crawled_at": None}).items())
    except Exception as exc:
        with pytest.raises(type(exc)):
            loaders.load_article(_OddPage(**values), crawled_at=None)
        return
    assert list(loaders.load_article(_OddPage(**values), crawled_at=None).items()) == want


@pytest.mark.parametrize("overrides", [
    {}, {"container_xpath": "//body"}, {"container_xpath": "//h1"}, {"title_xpath": ".//small"},
    {"container_xpath": "//div[@id='none']"}, {"container_xpath": "(//section)[last()]", "title_xpath": "(.//h1)[last()]"},
])
def test_title_and_body_follow_overridden_selectors(overrides):
    """The <h1> the section walk finds serves only the default selectors; overrides go by XPath."""
    html_text = ("<html><body><h1>outside</h1><section><p>no h1</p></section><section><div><h1>first</h1></div>"
                 "<h1>second</h1><p>body</p><p class='em_media'>（来源：甲）</p></section></body></html>")
    url = "https://finews.withounder.com/kejiribao/2022/01/11/NW12345678.html"
    page = type("Tuned", (FinewsPostPage,), overrides)(HtmlResponse(url=url, body=html_text.encode(), encoding="utf-8"))
    root = html.document_root(page.response)
    sections = html.xpath(root, page.container_xpath)
    section = sections[0] if sections else None
    titles = html.xpath(section, page.title_xpath) if section is not None else []
    assert page.title() == (_ref_text_of(titles[0]) if titles else None)
    h1 = next(section.iter("h1"), None) if section is not None else None
    if section is None:
        assert page.body() == []
    else:
        children = list(section)
        start = children.index(h1) + 1 if h1 is not None and h1.getparent() is section else 0
        want = [_ref_inner_html(el) for el in _ref_blocks(children[start:], lambda el: _ref_is_footer(page, el))]
        assert page.body() == want
