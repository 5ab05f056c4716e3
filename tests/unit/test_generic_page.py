"""The generic page parser: hand-made pages with hand-written expectations beside them, real
pages of other outlets read from the shared corpus at test time, the project's own layouts (as
served and drifted), and the fallback switch."""

import json
import logging
import re
import sys
import types
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

from crawler.loaders import INFO_CODE, load_article
from crawler.pages.drift import fallback_layout, missing_fields, public_page_fields, with_fallback
from crawler.pages.generic import GenericPage, canonical_url, derive_info_code
from pipelines.sanitize import visible_text
from tests.conftest import CORPUS_DIR

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "pages" / "generic"
OTHER = CORPUS_DIR / "other"


def response_for(body: bytes | str, url: str) -> HtmlResponse:
    return HtmlResponse(url=url, body=body if isinstance(body, bytes) else body.encode("utf-8"), encoding="utf-8")


@pytest.mark.parametrize("page", sorted(FIXTURES.glob("*.html")), ids=lambda p: p.stem)
def test_recorded_page(page):
    expected = json.loads(page.with_suffix(".json").read_text("utf-8"))
    parsed = GenericPage(response_for(page.read_bytes(), expected["url"]))
    item = load_article(parsed)
    assert item["title"] == expected["title"]
    assert item["published_raw"] == expected["published_raw"]
    assert item["published_at"].isoformat() == expected["published_at"]
    assert item.get("source") == expected["source"]
    assert parsed.author() == expected["author"]
    assert [visible_text(p).replace("\u3000", "").strip() for p in item["body"]] == expected["body_text"]
    assert item.get("images", []) == expected["images"]
    assert item["layout"] == "generic" and item["url"] == expected["url"]
    assert re.fullmatch(r"GN\d{18}", item["info_code"])
    html = "".join(item["body"])
    assert "责任编辑" not in html and "隐藏" not in html and "郑重声明" not in html and "广告" not in html


# --- real pages of other outlets (shared corpus, never copied here) ------------------------------


def _reference(path: Path) -> list[str]:
    text = path.read_text("utf-8")
    return [re.sub(r"<[^>]+>", "", p).strip() for p in re.findall(r"<p>?(.*?)</p>", text, re.S)]


def _char_f1(got: str, want: str) -> float:
    from collections import Counter

    fold = lambda s: Counter(ch for ch in s if ch.isalnum())  # noqa: E731
    g, w = fold(got), fold(want)
    common = sum((g & w).values())
    if not common:
        return 0.0
    p, r = common / sum(g.values()), common / sum(w.values())
    return 2 * p * r / (p + r)


@pytest.mark.parametrize("html_path", sorted((OTHER / "Corpus_daniel_v2.1" / "html").glob("*")), ids=lambda p: p.name[:30])
def test_daniel_pages_against_their_hand_cleaned_text(html_path):
    reference = _reference(OTHER / "Corpus_daniel_v2.1" / "reference" / html_path.name)
    page = GenericPage.from_html(html_path.read_bytes().decode("utf-8", "replace"), "http://example.invalid/")
    headline, body = reference[0], "\n".join(reference[1:])
    assert page.title() == headline
    assert _char_f1("\n".join(page.body_text()), body) >= 0.9


def test_gne_test_page_stcn():
    html = (OTHER / "GeneralNewsExtractor" / "tests__stcn__1.html").read_bytes().decode("utf-8", "replace")
    page = GenericPage.from_html(html, "http://kuaixun.stcn.com/2019/0926/15398391.shtml")
    assert page.published_at().isoformat() == "2019-09-26T12:11:00+08:00"  # shown as 2019-09-26 12:11
    assert page.title() and page.title() in html
    assert sum(len(t) for t in page.body_text()) > 100


# --- the project's own layouts, as served and as drifted ----------------------------------------


@pytest.fixture(scope="module")
def corpus_layouts():
    from sandbox import render_drift, render_eastmoney, render_finews
    from sandbox.articles import Article
    from sandbox.corpus import load_posts
    from tests.postfile import read_post

    files = {p.stem.split("-", 3)[3]: p for p in (CORPUS_DIR / "finews_posts").glob("*/*.md")}
    cases = []
    for post in load_posts(CORPUS_DIR):
        truth = (post.title, read_post(files[post.info_code]).paragraphs)
        article = Article(post)
        cases += [
            ("finews", post.url, render_finews.render_post(post), truth, post.local_time),
            ("finews-drift", post.url, render_drift.render_post(post), truth, post.local_time),
        ]
        if article.digits:
            url = f"https://finance.eastmoney.com/a/{article.digits}.html"
            minutes = post.show_time.replace(second=0)
            cases += [
                ("eastmoney", url, render_eastmoney.render_article(article), truth, minutes),
                ("eastmoney-drift", url, render_drift.render_article(article), truth, minutes),
            ]
    return cases


def test_every_corpus_page_in_every_layout(corpus_layouts):
    """The acceptance bar of the generic parser on our own layouts: every title, date and visible
    paragraph right, with no selector for any of them."""
    assert len(corpus_layouts) == 120
    for kind, url, html, (title, paragraphs), when in corpus_layouts:
        page = GenericPage.from_html(html, url)
        assert page.title() == title, (kind, url)
        assert page.published_at() == when, (kind, url)
        got = [page.digest()] if page.digest() else [" ".join(t.split()) for t in page.body_text()]
        assert got == paragraphs, (kind, url)


def test_no_dateparser_call_per_page(corpus_layouts, monkeypatch):
    """Dates come from the regex fast path; dateparser (about 1 ms a call) is never asked."""
    trap = types.ModuleType("dateparser")
    trap.parse = lambda *a, **k: pytest.fail("dateparser called")
    monkeypatch.setitem(sys.modules, "dateparser", trap)
    for _, url, html, _, _ in corpus_layouts[:20]:
        item = load_article(GenericPage.from_html(html, url))
        assert item["published_at"] is not None


# --- derived info codes -------------------------------------------------------------------------


def test_derived_info_code_is_stable_and_valid():
    url = "https://news.example.cn/a/b.html?x=1&y=2"
    code = derive_info_code(canonical_url(url))
    assert INFO_CODE.match(code) and re.fullmatch(r"GN\d{18}", code)
    assert code == derive_info_code(canonical_url("https://NEWS.example.cn/a/b.html?y=2&x=1#top"))
    assert code != derive_info_code(canonical_url("https://news.example.cn/a/c.html?x=1&y=2"))
    page = GenericPage.from_html("<html><body><p>x</p></body></html>", url + "&utm=1", key_url=url)
    assert page.info_code() == code  # the URL asked for, not where it ended up


def test_a_share_link_or_a_finews_permalink_wins_over_the_derived_code():
    html = ('<html><head><title>t</title></head><body><h1>t</h1><p>正文内容，足够长的一段文字。</p>'
            '<p><a href="http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW202201112243997097">'
            'http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW202201112243997097</a></p></body></html>')
    item = load_article(GenericPage.from_html(html, "https://other.example.com/x.html"))
    assert item["info_code"] == "NW202201112243997097"
    page = GenericPage.from_html("<p>x</p>", "https://finews.withounder.com/kejiribao/2022/01/11/NW202201112243997097.html")
    assert page.info_code() == "NW202201112243997097" and page.category() == "kejiribao"


# --- the fallback switch ------------------------------------------------------------------------


class FakeSpider:
    """What the fallback needs from a spider: stats, settings, a logger, the outlet lookup."""

    def __init__(self, fallback=True):
        from scrapy.settings import Settings
        from scrapy.statscollectors import MemoryStatsCollector

        self.settings = Settings({"EXTRACTION_FALLBACK": fallback})
        self.crawler = types.SimpleNamespace(stats=MemoryStatsCollector(types.SimpleNamespace(settings=self.settings)))
        self.logger = logging.getLogger("fake-spider")

    def outlet_for(self, media):
        return ("kejiribao", "科技日报新闻") if media == "科技日报" else (None, None)


def _drifted_seed():
    from sandbox import render_drift
    from sandbox.corpus import load_posts

    post = next(p for p in load_posts(CORPUS_DIR) if p.info_code == "NW202201112243997097")
    return post, response_for(render_drift.render_post(post), post.url)


def test_fallback_switch(caplog):
    from crawler.pages.finews import FinewsPostPage

    post, response = _drifted_seed()
    layout_item = load_article(FinewsPostPage(response))
    assert missing_fields(layout_item) == ["title", "body"]
    spider = FakeSpider()
    with caplog.at_level(logging.WARNING, logger="fake-spider"):
        item = with_fallback(spider, response, layout_item)
    assert spider.crawler.stats.get_value("extraction/fallback/finews_post") == 1
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert record.getMessage() == (f"layout drift: finews_post found no title and no body on {post.url}; "
                                   "re-parsed with the generic parser")
    assert item["layout"] == fallback_layout("finews_post") == "generic(fallback from finews_post)"
    assert item["title"] == post.title and len(item["body"]) == 38
    # identity from the URL, the tag from the registry (the drifted page shows none)
    assert item["info_code"] == "NW202201112243997097" and item["category"] == "kejiribao"
    assert item["tags"] == ["科技日报新闻"] and item["source"] == "科技日报"


def test_no_fallback_when_the_layout_works():
    from crawler.pages.finews import FinewsPostPage
    from sandbox import render_finews

    post, _ = _drifted_seed()
    response = response_for(render_finews.render_post(post), post.url)
    item = load_article(FinewsPostPage(response))
    spider = FakeSpider()
    assert with_fallback(spider, response, item) is item
    assert spider.crawler.stats.get_stats() == {}


def test_fallback_turned_off_keeps_the_item_and_reports():
    from crawler.pages.finews import FinewsPostPage

    _, response = _drifted_seed()
    layout_item = load_article(FinewsPostPage(response))
    spider = FakeSpider(fallback=False)
    assert with_fallback(spider, response, layout_item) is layout_item
    assert spider.crawler.stats.get_stats() == {"extraction/no_fallback/finews_post": 1}


def test_public_page_fallback_fields():
    from sandbox import render_drift
    from sandbox.articles import Article

    post, _ = _drifted_seed()
    url = "https://finance.eastmoney.com/a/202201112243997097.html"
    response = response_for(render_drift.render_article(Article(post)), url)
    spider = FakeSpider()
    fields = public_page_fields(spider, response, {"title": "x_财经频道", "body": []}, "eastmoney_article")
    assert fields["title"] == post.title and len(fields["body"]) == 38
    assert fields["published_raw"] == "2022-01-11 21:48" and fields["source"] == "来源：科技日报"
    assert spider.crawler.stats.get_value("extraction/fallback/eastmoney_article") == 1
    assert public_page_fields(spider, response, {"title": "t", "body": ["<p>b</p>"]}, "eastmoney_article") is None


def test_nothing_found_at_all_is_reported_too(caplog):
    spider = FakeSpider()
    response = response_for("<html><body></body></html>", "https://finance.eastmoney.com/a/1.html")
    with caplog.at_level(logging.WARNING, logger="fake-spider"):
        item = with_fallback(spider, response, {"layout": "finews_post", "crawled_at": None})
    assert missing_fields(item) == ["title", "body"]
    assert spider.crawler.stats.get_value("extraction/fallback_failed/finews_post") == 1
    assert "generic parser found no title and no body" in caplog.text
