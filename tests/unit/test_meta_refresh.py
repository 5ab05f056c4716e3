"""Meta refresh on big pages: still followed when the tag is there, no whole-body decode when not."""

from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from crawler import settings as project_settings
from crawler.middlewares.meta_refresh import BIG_BODY_BYTES, HeadOnlyMetaRefreshMiddleware

URL = "https://finews.withounder.com/category/kejiribao.html"
LINKS = "".join(f'<li><a href="/kejiribao/2022/01/11/NW{i:018d}.html">标题{i}</a></li>' for i in range(30_000))


def middleware():
    return HeadOnlyMetaRefreshMiddleware.from_crawler(get_crawler(settings_dict={"METAREFRESH_ENABLED": True}))


def page(head: str) -> HtmlResponse:
    body = f"<html><head>{head}</head><body><section><ul>{LINKS}</ul></section></body></html>".encode()
    assert len(body) > BIG_BODY_BYTES
    return HtmlResponse(URL, body=body, headers={"Content-Type": "text/html; charset=utf-8"})


def test_replaces_scrapys_middleware_in_the_project():
    mws = project_settings.DOWNLOADER_MIDDLEWARES
    assert mws["scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware"] is None
    assert mws["crawler.middlewares.meta_refresh.HeadOnlyMetaRefreshMiddleware"] == 580


def test_big_page_with_a_refresh_is_still_redirected():
    response = page('<meta http-equiv="Refresh" content="0; url=/moved.html">')
    result = middleware().process_response(Request(URL), response)
    assert isinstance(result, Request) and result.url == "https://finews.withounder.com/moved.html"


def test_big_page_without_one_is_not_decoded():
    response = page("<title>科技日报</title>")
    assert middleware().process_response(Request(URL), response) is response
    assert response._cached_ubody is None  # Scrapy's decoded-text cache was never filled


def test_small_pages_are_scrapys_business():
    small = HtmlResponse(URL, body=b'<meta http-equiv="refresh" content="1;url=/x.html"><p>x</p>')
    assert isinstance(middleware().process_response(Request(URL), small), Request)
