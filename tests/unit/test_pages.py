"""Page parsers against recorded pages, with hand-written expectations stored beside each page."""

import json
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

from crawler.loaders import load_article
from crawler.pages.finews import FinewsListingPage, FinewsPostPage
from pipelines.sanitize import visible_text

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "pages"


def response_for(path: Path, url: str) -> HtmlResponse:
    return HtmlResponse(url=url, body=path.read_bytes(), encoding="utf-8")


@pytest.mark.parametrize("page", sorted((FIXTURES / "finews_post").glob("*.html")), ids=lambda p: p.stem)
def test_finews_post_page(page):
    expected = json.loads(page.with_suffix(".json").read_text("utf-8"))
    item = load_article(FinewsPostPage(response_for(page, expected["url"])))
    assert [visible_text(p) for p in item["body"]] == expected["body_text"]
    assert item["published_at"].isoformat() == expected["published_at"]
    for field in ("url", "info_code", "share_url", "title", "published_raw", "images", "source", "category", "tags", "layout"):
        assert item.get(field) == expected[field], field
    # noise never reaches the body HTML
    html = "".join(item["body"])
    assert "webquoteklinepic" not in html and "隐藏" not in html


def test_listing_page_links():
    html = (
        "<nav><a href='https://finews.withounder.com/category/zhongguozhengquanbao%C2%B7zhongzhengwang.html'>x</a></nav>"
        "<section><h2>科技日报新闻</h2><ul>"
        "<li><a href='https://finews.withounder.com/kejiribao/2022/01/11/NW202201112243997097.html'>t</a></li>"
        "<li><a href='/kejiribao/2022/01/10/NW202201102243000000.html'>relative</a></li>"
        "<li><a href='https://finews.withounder.com/about.html'>not a post</a></li>"
        "</ul></section>"
    ).encode()
    resp = HtmlResponse(url="https://finews.withounder.com/category/kejiribao.html", body=html, encoding="utf-8")
    page = FinewsListingPage(resp)
    assert page.post_links() == [
        {
            "url": "https://finews.withounder.com/kejiribao/2022/01/11/NW202201112243997097.html",
            "category": "kejiribao",
            "info_code": "NW202201112243997097",
        },
        {
            "url": "https://finews.withounder.com/kejiribao/2022/01/10/NW202201102243000000.html",
            "category": "kejiribao",
            "info_code": "NW202201102243000000",
        },
    ]
    assert page.category_links() == [
        {
            "url": "https://finews.withounder.com/category/zhongguozhengquanbao%C2%B7zhongzhengwang.html",
            "category": "zhongguozhengquanbao·zhongzhengwang",
        }
    ]


def test_a_page_without_the_layout_yields_nothing_usable():
    resp = HtmlResponse(url="https://finews.withounder.com/kejiribao/2022/01/11/NW202201112243997097.html",
                        body=b"<html><body><div>changed layout</div></body></html>", encoding="utf-8")
    item = load_article(FinewsPostPage(resp))
    assert "title" not in item and "body" not in item and "published_at" not in item
    assert item["info_code"] == "NW202201112243997097"  # still known from the URL
