"""The performance harness on tiny sizes, and the fast paths it led to giving the same output as
the slow code they replaced (so a speed-up can never change a post, an item or a parse)."""

import json
import random
from pathlib import Path

import pytest
import yaml
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from benchmarks import perf, perf_extract, perf_spiders, perf_store
from crawler.loaders import ArticleLoader, _fill, load_article
from crawler.pages.finews import FinewsPostPage
from crawler.pages.html import document_root, first_string, text_of, xpath
from pipelines.post_format import yaml_string
from sandbox import render_finews
from sandbox.synthetic import synthetic_posts

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "pages" / "finews_post"


@pytest.fixture(scope="module")
def post_pages(corpus_posts):
    """(canonical URL, bytes) of real and synthetic post pages, as the sandbox serves them."""
    posts = list(corpus_posts) + synthetic_posts(60, seed=5, base=corpus_posts)
    pages = [(p.url, render_finews.render_post(p).encode("utf-8")) for p in posts]
    for page in sorted(FIXTURES.glob("*.html")):
        pages.append((json.loads(page.with_suffix(".json").read_text("utf-8"))["url"], page.read_bytes()))
    return pages


def _reference_yaml(value):
    return yaml.dump(value, default_style='"', allow_unicode=True, width=float("inf")).rstrip("\n")


def test_yaml_string_is_pyyaml_byte_for_byte():
    rng = random.Random(3)
    alphabet = [chr(c) for c in range(0x250)] + list("科技日报“”：{}# \\\"'") + [
        "\u2028", "\u2029", "\ufeff", "\ufffe", "\ue000", "\ud7ff", "\U0001f600", "\ud800", "\x85", "\xa0"]
    values = ["", " ", "a: b", "{{ x }}", "x" * 300 + " y" * 100] + [chr(c) for c in range(0x800)]
    values += [chr(c) for c in (0x2028, 0x2029, 0xD7FF, 0xD800, 0xDFFF, 0xE000, 0xFEFF, 0xFFFD, 0xFFFE, 0x10000, 0x10FFFF)]
    values += ["".join(rng.choice(alphabet) for _ in range(rng.randrange(60))) for _ in range(1000)]
    for value in values:
        assert yaml_string(value) == _reference_yaml(value), repr(value)


def test_lean_loader_gives_the_item_loader_item(post_pages):
    for url, body in post_pages:
        def page():
            return FinewsPostPage(HtmlResponse(url=url, body=body, encoding="utf-8"))
        fast = load_article(page(), layout="x", crawled_at=None)
        slow = _fill(ArticleLoader(), page(), {"layout": "x", "crawled_at": None})
        assert list(fast.items()) == list(slow.items())  # same fields, values and order


def test_compiled_xpath_matches_scrapy_selectors(post_pages):
    exprs = [FinewsPostPage.container_xpath, "//section//h1", "//small[re:test(., '\\d{4}-\\d\\d-\\d\\d')]",
             "//a[contains(@href, 'NewsShare.html')]/@href", "//small[starts-with(normalize-space(.), 'tags')]/em",
             "count(//p)", "//p/text()", "boolean(//h1)"]
    for url, body in post_pages[:40]:
        response = HtmlResponse(url=url, body=body, encoding="utf-8")
        root = document_root(response)
        for expr in exprs:
            ours = xpath(root, expr)
            theirs = response.xpath(expr)
            assert first_string(ours) == theirs.get(), expr
            assert len(ours) == len(theirs), expr
        for el in root.iter():
            if isinstance(el.tag, str):
                assert text_of(el) == "".join(el.itertext()).strip()


def test_null_spider_finds_the_same_links_as_the_pages_hold(corpus_posts):
    posts = synthetic_posts(5, seed=9, base=corpus_posts)
    listing = render_finews.render_category("kejiribao", "科技日报新闻", posts).encode("utf-8")
    spider = perf_spiders.NullSpider.from_crawler(get_crawler(perf_spiders.NullSpider), share="1")
    response = HtmlResponse(url="https://finews.withounder.com/category/kejiribao.html", body=listing, encoding="utf-8")
    assert list(spider.parse_listing(response)) == []  # queued in the feed, handed over as the scheduler drains
    batch = spider.waiting_links.next_batch()
    assert [r.url for r in spider.post_requests(batch)] == [p.url for p in render_finews.newest_first(posts)]
    assert len(spider.waiting_links) == 0
    post = HtmlResponse(url=posts[0].url, body=render_finews.render_post(posts[0]).encode("utf-8"), encoding="utf-8")
    (api,) = spider.parse_post(post)
    assert api.url == f"http://finews.zning.xyz/NewsData/GetNewsText.do?id={posts[0].info_code}"
    assert list(perf_spiders.NullSpider(share="0").parse_post(post) or []) == []


def test_extraction_and_store_measurements_run_on_tiny_sizes(post_pages, tmp_path, monkeypatch):
    pytest.importorskip("numpy")
    monkeypatch.setitem(__import__("sys").modules, "trafilatura", None)  # optional: measured without it
    ex = perf_extract.measure(post_pages[:10], passes=1)
    assert ex["pages"] == 10 and ex["lxml_ms"] > 0 and ex["ours_over_lxml"] > 1
    assert ex["trafilatura_ms"] is None
    [plain, with_simhash] = perf_store.run(tmp_path, [2000], simhash_sizes=[2000], lookups=500, inserts=50, near=50)
    assert plain["keys"] == 2000 and not plain["simhash"] and plain["near_per_s"] is None
    assert with_simhash["near_per_s"] and with_simhash["bytes_per_article"] > plain["bytes_per_article"]
    result = {"started": "now", "machine": "test", "python": "3", "seconds": 1.0, "extraction": ex,
              "store": [plain, with_simhash]}
    result["targets"] = perf.check_targets(result)
    text = perf.markdown(result)
    assert "| 2,000 | yes |" in text and "page parser ≤ 2x bare lxml parse" in text


def test_store_bulk_build_is_what_record_writes(tmp_path):
    from pipelines.state import ArticleStore

    perf_store.build(tmp_path / "s", 50, simhash=True)
    store = ArticleStore(tmp_path / "s")
    try:
        code = perf_store.code_of(7)
        assert code in store and store.get(code).post_path == f"_posts/2022-06-30-{code}.md"
        assert store.near(store.simhash(code), 4, exclude=None) == code  # found through its band rows
    finally:
        store.close()


def test_listing_walk_finds_what_the_css_selectors_find(corpus_posts):
    from crawler.pages.finews import FinewsListingPage

    posts = list(corpus_posts) + synthetic_posts(200, seed=4, base=corpus_posts)
    pages = [render_finews.render_home(posts), render_finews.render_category("kejiribao", "科技日报新闻", posts),
             "<section><ul><li><div><a href='/a.html'>in</a><a>no href</a></div></li></ul></section>"
             "<li><a href='/b.html'>no section</a></li><li><section><a href='/c.html'>no li inside</a></section></li>"
             "<section><li><li><a href=' /category/d.html '>nested</a></li></li></section>", ""]
    for html in pages:
        response = HtmlResponse(url="https://finews.withounder.com/category/kejiribao.html", body=html.encode("utf-8"),
                                encoding="utf-8")
        page = FinewsListingPage(response)
        for css in (page.link_css, page.category_link_css, "li a::attr(href)"):
            assert page._hrefs(css) == response.css(css).getall(), css


def test_default_selector_walks_find_what_their_xpath_finds(post_pages):
    from crawler.pages.finews import _WALKS

    odd = [
        "<section><small>x</small><small> <b>2022</b>-01-02 </small><h1>a</h1><h1>b</h1>"
        "<p class=' em_media\tx'>s</p><p class='em_mediax'>no</p><a>no href</a>"
        "<a href='/NewsShare.html?infoCode=NW1234567'>s</a><small>\n tags: <em>a</em><b><em>deep</em></b><em>b</em></small></section>",
        "<div><section><div><h1>nested</h1></div></section><section><h1>second</h1></section></div>",
        "<section><small>tags<em>1</em><small>tags<em>2</em></small><em>3</em></small><h1>t</h1></section>",
        "<section><p>no h1</p></section><section><h1>h</h1><small>tag s</small><small><!-- 2022-01-01 -->x</small></section>",
    ]
    pages = [body for _, body in post_pages[:30]] + [h.encode("utf-8") for h in odd]
    for body in pages:
        root = document_root(HtmlResponse(url="https://finews.withounder.com/x", body=body, encoding="utf-8"))
        containers = xpath(root, FinewsPostPage.container_xpath)
        for expr, walk in _WALKS.items():
            context = root if expr == FinewsPostPage.container_xpath else (containers[0] if containers else root)
            expected, found = xpath(context, expr), walk(context)
            if found is None:  # the walk left this case to XPath
                continue
            if expr == FinewsPostPage.tags_xpath:
                assert found == expected, expr
            else:  # only the first node is ever used
                assert found[:1] == expected[:1], expr
