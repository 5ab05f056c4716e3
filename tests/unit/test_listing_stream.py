"""The streamed listing parse finds exactly what the selector finds on the whole page.

``FinewsListingPage.iter_post_links`` reads a category page through a pull parser a chunk at a
time and drops elements as they end, so a page of 100,000 posts never exists as one tree. Its
answer must not depend on that: the same hrefs, in the same order, as ``section li a::attr(href)``
on the full document, wherever the chunk boundaries fall, whatever the encoding, and with the
page's ``<base href>`` honoured like ``response.urljoin`` does.
"""

from __future__ import annotations

import pytest
from scrapy.http import HtmlResponse

from crawler.pages.finews import FinewsListingPage
from sandbox import render_finews, synthetic_posts

URL = "https://finews.withounder.com/category/kejiribao.html"

ODD = [
    "<section><ul><li><div><a href='/a.html'>in</a><a>no href</a></div></li></ul></section>"
    "<li><a href='/b.html'>no section</a></li><li><section><a href='/c.html'>no li inside</a></section></li>"
    "<section><li><li><a href=' /category/d.html '>nested</a></li></li></section>",
    "<section><ul><li><a href='/x\x00y.html'>nul</a></li><li><a href='/z.html'>unclosed</ul>"
    "<li><a href='/after.html'>after the list</a></li></section><section><li><a href='/2.html'>2</a>",
    "",
    "   \n  ",
    "<!-- only a comment -->",
]


def _pages(corpus_posts):
    posts = list(corpus_posts) + synthetic_posts(300, seed=5, base=corpus_posts)
    return [render_finews.render_home(posts), render_finews.render_category("kejiribao", "科技日报新闻", posts), *ODD]


@pytest.mark.parametrize("chunk", [7, 64, 1 << 19])
@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_streamed_hrefs_equal_the_css_selector(corpus_posts, chunk, encoding):
    for html in _pages(corpus_posts):
        response = HtmlResponse(url=URL, body=html.encode(encoding), encoding=encoding)
        page = FinewsListingPage(response)
        page.stream_chars = chunk
        assert list(page._stream_section_hrefs()) == response.css("section li a::attr(href)").getall()


def test_post_links_are_joined_to_the_base_href_as_response_urljoin_does():
    html = (
        "<html><head><base href='https://mirror.example/index.html'></head><body><section><ul>"
        "<li><a href='kejiribao/2022/01/11/NW202201112243997097.html'>relative to the base</a></li>"
        "<li><a href='/kejiribao/2022/01/10/NW202201102243000000.html'>absolute path</a></li>"
        "</ul></section></body></html>"
    )
    response = HtmlResponse(url=URL, body=html.encode(), encoding="utf-8")
    links = FinewsListingPage(response).post_links()
    assert [link["url"] for link in links] == [
        "https://mirror.example/kejiribao/2022/01/11/NW202201112243997097.html",
        "https://mirror.example/kejiribao/2022/01/10/NW202201102243000000.html",
    ]
    assert [link["url"] for link in links] == [
        response.urljoin(h) for h in response.css("section li a::attr(href)").getall()
    ]


def test_streaming_does_not_decode_the_whole_body():
    # response.text caches the decoded body on the response: 36 MB for an 18 MB page of Chinese.
    html = render_finews.render_category("kejiribao", "科技日报新闻", synthetic_posts(50, seed=6))
    response = HtmlResponse(url=URL, body=html.encode("utf-8"), headers={"Content-Type": "text/html; charset=utf-8"})
    assert len(FinewsListingPage(response).post_links()) == 50
    assert getattr(response, "_cached_ubody", None) is None
