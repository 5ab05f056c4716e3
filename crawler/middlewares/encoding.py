"""Re-decode HTML whose declared charset is wrong or missing (GBK/GB18030 pages, design §7).

Scrapy takes a page's encoding from, in order, a BOM, the HTTP ``Content-Type`` header and the
``<meta>`` charset, and guesses only when none is there. Chinese sites often serve GBK while a
server default in the header says ``utf-8``, or declare nothing at all. Scrapy then decodes with
U+FFFD replacements or a wrong guess, and every title and paragraph becomes mojibake without any
error: the post would be written, garbled, and never fixed (dedupe sees a known article).

The rule, cheap enough for every page (a strict decode of the body, no statistics):

1. A body that is pure ASCII, or that has a BOM, is left alone: every candidate reads it the same,
   or the BOM is stronger evidence than anything below.
2. A body that is valid UTF-8 and has non-ASCII bytes is UTF-8, whatever it declares: GBK text is
   valid UTF-8 by accident only for a handful of characters, never for a page.
3. Otherwise a declared encoding that decodes the body without a single error is kept.
4. Otherwise the body is read as GB18030 (the superset of GB2312 and GBK) if that decodes it
   without error, unless it was declared UTF-8 and the invalid bytes are few (under
   :data:`DAMAGED_UTF8_SHARE` of the non-ASCII ones): that is a UTF-8 page with a damaged spot,
   which GB18030 would garble everywhere else.
5. Anything else is left as Scrapy decoded it.

A correction returns ``response.replace(encoding=…)``, counts ``encoding/corrected/<from>-><to>``
(``<from>`` is the encoding Scrapy would have used, or ``undeclared``) and logs one INFO line with
the URL and where the wrong declaration came from. Only HTML responses are checked; JSON APIs are
UTF-8 by specification and are decoded by their parsers.
"""

from __future__ import annotations

import codecs
import logging

from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom

logger = logging.getLogger(__name__)

#: A declared-UTF-8 body whose invalid bytes are fewer than this share of its non-ASCII bytes is
#: taken for damaged UTF-8, not for another encoding. GBK text read as UTF-8 fails on roughly every
#: second non-ASCII byte; one cut-off character in a UTF-8 article is a fraction of a percent.
DAMAGED_UTF8_SHARE = 0.05

_HIGH_BYTES = bytes(range(0x80, 0x100))


#: Bodies above this are test-decoded a slice at a time: a category page listing 100,000 posts is
#: 18 MB, and decoding it whole only to learn whether it decodes held its text (up to 4 bytes a
#: character in Python) as a passing 35 MB peak.
_SLICE = 1 << 20


def _clean(body: bytes, encoding: str) -> bool:
    """Whether ``body`` decodes in ``encoding`` without a single error (the decoded text is dropped)."""
    try:
        if len(body) <= _SLICE:
            body.decode(encoding)
            return True
        decoder = codecs.getincrementaldecoder(encoding)()  # carries a character split between slices
        for start in range(0, len(body), _SLICE):
            decoder.decode(body[start : start + _SLICE])
        decoder.decode(b"", final=True)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def _same(a: str, b: str) -> bool:
    try:
        return codecs.lookup(a).name == codecs.lookup(b).name
    except LookupError:
        return False


def _damaged_utf8(body: bytes, non_ascii: int) -> bool:
    invalid = body.decode("utf-8", "replace").count("\ufffd") - body.count("\ufffd".encode())
    return invalid < DAMAGED_UTF8_SHARE * non_ascii


def declaration(response: HtmlResponse) -> tuple[str | None, str]:
    """The encoding the page declares and where (``header``, ``meta``), as Scrapy ranks them."""
    content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
    header = http_content_type_encoding(content_type)
    if header:
        return header, "header"
    meta = html_body_declared_encoding(response.body)
    if meta:
        return meta, "meta"
    return None, "none"


def better_encoding(response: HtmlResponse) -> str | None:
    """The encoding this response should be read in, or None when Scrapy's choice stands."""
    body = response.body
    if body.isascii() or read_bom(body)[0]:
        return None
    current = response.encoding
    if _clean(body, "utf-8"):
        return None if _same(current, "utf-8") else "utf-8"
    declared, _ = declaration(response)
    if declared and _clean(body, current):
        return None
    if declared and _same(current, "utf-8") and _damaged_utf8(body, len(body) - len(body.translate(None, _HIGH_BYTES))):
        return None
    if not _same(current, "gb18030") and _clean(body, "gb18030"):
        return "gb18030"
    return None


class EncodingMiddleware:
    def __init__(self, stats=None):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("ENCODING_CORRECTION_ENABLED", True):
            raise NotConfigured
        return cls(crawler.stats)

    def process_response(self, request, response, spider=None):
        if not isinstance(response, HtmlResponse):
            return response
        better = better_encoding(response)
        if better is None:
            return response
        declared, where = declaration(response)
        was = response.encoding if declared else "undeclared"
        if self.stats is not None:
            self.stats.inc_value(f"encoding/corrected/{was}->{better}")
        logger.info(
            "encoding corrected: %s read as %s, not %s (declared: %s)",
            response.url, better, response.encoding, f"{declared} in the {where}" if declared else "nothing",
        )
        return response.replace(encoding=better)
