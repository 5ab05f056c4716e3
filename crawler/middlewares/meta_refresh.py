"""Scrapy's meta-refresh redirects, without decoding a whole multi-megabyte page to find none.

Scrapy's ``MetaRefreshMiddleware`` looks for ``<meta http-equiv="refresh">`` in the first 4,096
characters of every HTML response, but takes them from ``response.text``: the whole body decoded
and kept on the response. For a category page listing 100,000 posts (18 MB) that is 25–35 MB of
peak memory for nothing, and the spider then reads the listing as bytes, streaming. 4,096
characters are at most 16 KB in UTF-8 or GB18030: when those bytes hold no ``refresh`` at all,
neither would the decoded text, and the response goes on untouched. Otherwise (or for a
small page, or an encoding with NUL bytes such as UTF-16) Scrapy's own code decides, as before.
"""

from __future__ import annotations

from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.http import HtmlResponse

#: Bodies up to this size are left to Scrapy as they are: decoding them costs little.
BIG_BODY_BYTES = 1 << 20
#: The bytes that can hold Scrapy's 4,096 characters in an ASCII-compatible encoding.
HEAD_BYTES = 4096 * 4


def refresh_impossible(body: bytes) -> bool:
    head = body[:HEAD_BYTES]
    return b"\x00" not in head and b"refresh" not in head.lower()


class HeadOnlyMetaRefreshMiddleware(MetaRefreshMiddleware):
    def process_response(self, request, response, spider=None):
        if isinstance(response, HtmlResponse) and len(response.body) > BIG_BODY_BYTES and refresh_impossible(response.body):
            return response
        return super().process_response(request, response)
