"""MIRRORS: canonical URLs in, mirror URLs on the wire, canonical URLs back out."""

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse

from crawler.middlewares.mirrors import MirrorsConfigError, MirrorsMiddleware, parse_mirrors

MIRRORS = {"finews.withounder.com": "http://127.0.0.1:8765/finews.withounder.com", "finews.zning.xyz": "http://127.0.0.1:8765/z"}


def test_request_and_response_round_trip():
    mw = MirrorsMiddleware(parse_mirrors(MIRRORS))
    req = Request("https://finews.withounder.com/category/kejiribao.html?x=1")
    mirrored = mw.process_request(req)
    assert mirrored.url == "http://127.0.0.1:8765/finews.withounder.com/category/kejiribao.html?x=1"
    assert mw.process_request(mirrored) is None  # not rewritten twice
    resp = HtmlResponse(url=mirrored.url, body=b"", request=mirrored)
    assert mw.process_response(mirrored, resp).url == req.url


def test_redirect_inside_the_mirror_maps_back_with_the_canonical_scheme():
    mw = MirrorsMiddleware(parse_mirrors(MIRRORS))
    mirrored = mw.process_request(Request("http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW1"))
    resp = HtmlResponse(url="http://127.0.0.1:8765/z/other.html", body=b"", request=mirrored)
    assert mw.process_response(mirrored, resp).url == "http://finews.zning.xyz/other.html"


def test_other_hosts_pass_untouched():
    mw = MirrorsMiddleware(parse_mirrors(MIRRORS))
    assert mw.process_request(Request("https://example.com/a")) is None


def test_json_text_is_accepted():
    assert parse_mirrors('{"a.cn": "http://127.0.0.1:1/x/"}') == {"a.cn": ("http", "127.0.0.1:1", "/x")}


@pytest.mark.parametrize("bad", ["{not json", '["a"]', '{"a.cn": "ftp://x"}', '{"a.cn": "127.0.0.1:8765"}'])
def test_malformed_values_say_what_to_fix(bad):
    with pytest.raises(MirrorsConfigError, match="MIRRORS"):
        parse_mirrors(bad)
