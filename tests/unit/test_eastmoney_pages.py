"""Eastmoney-style sources: the public article page (recorded page + hand-written expectations),
the share text API's variants, and JSON list APIs."""

import json
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, TextResponse

from crawler.pages.eastmoney import EastmoneyArticlePage, ShareApiText, public_article_url, share_api_url
from crawler.pages.listings import NewsListApiPage

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "pages" / "eastmoney_article"


@pytest.mark.parametrize("page", sorted(FIXTURES.glob("*.html")), ids=lambda p: p.stem)
def test_public_article_page(page):
    expected = json.loads(page.with_suffix(".json").read_text("utf-8"))
    resp = HtmlResponse(url=expected["url"], body=page.read_bytes(), encoding="utf-8")
    got = EastmoneyArticlePage(resp)
    assert got.title() == expected["title"]
    assert got.published_raw() == expected["published_raw"]
    assert got.source_raw() == expected["source_raw"]
    assert got.author() == expected["author"]
    assert got.body() == expected["body"]
    assert got.images() == expected["images"]


API = "http://finews.zning.xyz/NewsData/GetNewsText.do?id=NW202201112243997097"


@pytest.mark.parametrize(
    "payload",
    [
        {"id": "NW1", "text": "<p>正文一</p>\r\n<p>正文二</p><p class=\"em_media\">（文章来源：科技日报）</p>", "title": "标题", "showTime": "2022-01-11 21:48:28"},
        {"id": "NW1", "content": "<p>正文一</p>\r\n<p>正文二</p><p class=\"em_media\">（文章来源：科技日报）</p>", "Title": "标题", "ShowTime": "2022-01-11 21:48:28"},
        {"data": {"Content": "<p>正文一</p><p>正文二</p>", "MediaName": "科技日报", "title": "标题", "showtime": "2022-01-11 21:48:28"}},
    ],
    ids=["text", "content", "wrapped"],
)
def test_share_api_variants(payload):
    api = ShareApiText(json.dumps(payload, ensure_ascii=False).encode(), API)
    assert api.found
    assert api.body() == ["正文一", "正文二"]
    assert api.title() == "标题" and api.published_raw() == "2022-01-11 21:48:28"
    assert api.source_raw() in ("（文章来源：科技日报）", "科技日报")


@pytest.mark.parametrize("payload", [b'{"id": "NW1", "text": null, "error": "not found"}', b"<html>oops</html>", b""])
def test_share_api_without_text(payload):
    assert not ShareApiText(payload, API).found


def test_urls():
    assert share_api_url("http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW1", "NW202201112243997097") == API
    assert public_article_url("NW202201112243997097") == "https://finance.eastmoney.com/a/202201112243997097.html"
    assert public_article_url("NW123") is None


def test_list_api_page_variants_and_paging():
    body = json.dumps({"Data": {"List": [
        {"Code": "202112082206672930", "ShowTime": "2021-12-08 10:46:18", "Title": "t", "MediaName": "东方财富网",
         "Summary": "s", "Url": "http://finance.eastmoney.com/news/11060,202112082206672930.html"},
        {"url": "http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW202201112243997097"},
    ], "Page": 1, "PageSize": 2, "Total": 5}}, ensure_ascii=False).encode()
    resp = TextResponse(url="http://finews.zning.xyz/NewsData/GetNewsList.do?column=emnews&page=1&pageSize=2",
                        body=body, encoding="utf-8")
    page = NewsListApiPage(resp)
    records = page.records()
    assert [r["info_code"] for r in records] == ["202112082206672930", "NW202201112243997097"]
    assert records[0]["show_time"] == "2021-12-08 10:46:18" and records[0]["summary"] == "s"
    assert page.next_page_url() == "http://finews.zning.xyz/NewsData/GetNewsList.do?column=emnews&page=2&pageSize=2"


def test_list_api_last_page_has_no_next():
    body = b'{"list": [], "page": 3, "pageSize": 2, "total": 5}'
    resp = TextResponse(url="http://x.cn/l?page=3", body=body, encoding="utf-8")
    assert NewsListApiPage(resp).next_page_url() is None
