"""Eastmoney-style article sources (design §3): the share host's JSON text API and the public
article page ``finance.eastmoney.com/a/<18 digits>.html``.

The share page itself is a JavaScript shell with no article in its HTML, so nothing here parses
it: the spiders go straight to the JSON API it would call, and to the public page when the API is
down or lacks a field. Both parsers tolerate the variations seen across servers: ``text`` or
``content`` for the body, flat or wrapped in ``data``, any key case.
"""

from __future__ import annotations

import json
import re
from functools import cached_property
from urllib.parse import urljoin

from lxml import etree
from lxml import html as lxml_html

from crawler.pages.html import block_html, text_of, unwrap, visible_blocks, visible_blocks_html

_DIGITS = re.compile(r"\d{18}")


def share_api_url(share_url_or_host: str, info_code: str) -> str:
    """The GetNewsText endpoint on the same host as a share link."""
    return urljoin(share_url_or_host, f"/NewsData/GetNewsText.do?id={info_code}")


def public_article_url(info_code: str) -> str | None:
    m = _DIGITS.search(info_code)
    return f"https://finance.eastmoney.com/a/{m.group(0)}.html" if m else None


def _lower_keys(obj) -> dict:
    return {str(k).lower(): v for k, v in obj.items()} if isinstance(obj, dict) else {}


#: Plain lxml elements: lxml.html's element classes cost a lookup for every node created and add
#: nothing the block helpers use (as in crawler/pages/generic.py).
_PLAIN_HTML = etree.HTMLParser()
_FULL_HTML = re.compile(r"^\s*<(?:html|!doctype)", re.I)  # lxml.html's test for a whole document


def _fragment_parent(fragment: str):
    """The element whose children are the fragment's top-level nodes.

    What ``lxml.html.fragment_fromstring(fragment, create_parent="div")`` would give, read from
    the ``<body>`` of the same parse rather than moved into a new ``<div>`` (the blocks never look
    at their parent's tag). A fragment that is a whole document, or that libxml2 does not parse
    into exactly one body, takes lxml.html's own way.
    """
    if not _FULL_HTML.match(fragment):
        doc = etree.fromstring(f"<html><body>{fragment}</body></html>", _PLAIN_HTML)
        bodies = [] if doc is None else [el for el in doc if el.tag == "body"]
        if len(bodies) == 1:
            return bodies[0]
    return lxml_html.fragment_fromstring(fragment, create_parent="div")


def _is_source_line(el) -> bool:
    return "em_media" in (el.get("class") or "").split()


def _body_and_source_html(blocks_html) -> tuple[list[str], str | None]:
    """``_body_and_source`` over ``(block, its HTML)`` pairs from ``visible_blocks_html``."""
    body, source = [], None
    for el, html in blocks_html:
        if _is_source_line(el):
            source = text_of(el)
        else:
            body.append(html)
    return body, source


def _body_and_source(blocks) -> tuple[list[str], str | None]:
    return _body_and_source_html((el, block_html(el)) for el in blocks)


class ShareApiText:
    """One ``GetNewsText.do`` answer. Missing article → ``found`` is False."""

    layout = "share_api"

    def __init__(self, payload: bytes | str, url: str):
        self.url = url
        try:
            data = json.loads(payload)
        except (ValueError, TypeError):
            data = {}
        top = _lower_keys(data)
        inner = _lower_keys(top.get("data")) if isinstance(top.get("data"), dict) else {}
        self.fields = {**inner, **top} if inner else top

    def _get(self, *keys):
        for key in keys:
            value = self.fields.get(key)
            if isinstance(value, str) and value.strip():
                return value
        return None

    @property
    def html(self) -> str | None:
        return self._get("text", "content", "body")

    @property
    def found(self) -> bool:
        return self.html is not None

    @cached_property
    def _parsed(self):
        if not self.found:
            return [], None
        # NUL is never text; lxml would turn it into U+FFFD inside the paragraph.
        parent = _fragment_parent(self.html.replace("\r\n", "\n").replace("\x00", ""))
        return _body_and_source_html(visible_blocks_html(parent.iterchildren()))

    def body(self) -> list[str]:
        return self._parsed[0]

    def source_raw(self) -> str | None:
        return self._parsed[1] or self._get("medianame", "source")

    def title(self) -> str | None:
        return self._get("title")

    def published_raw(self) -> str | None:
        return self._get("showtime", "publishtime", "time", "date")

    def images(self) -> list[str]:
        return [urljoin(self.url, src) for p in self.body() for src in re.findall(r'<img[^>]+src="([^"]+)"', p)]


class EastmoneyArticlePage:
    """``finance.eastmoney.com/a/<18 digits>.html``: headline in ``#topbox .title``, metadata in
    ``.infos .item``, body in ``#ContentBody`` between ads, promotion and editor/disclaimer lines."""

    layout = "eastmoney_article"
    title_xpath = "//*[@id='topbox']//*[contains(concat(' ', normalize-space(@class), ' '), ' title ')]"
    info_items_xpath = "//*[contains(concat(' ', normalize-space(@class), ' '), ' infos ')]//*[contains(concat(' ', normalize-space(@class), ' '), ' item ')]"
    content_xpath = "//*[@id='ContentBody']"
    #: Boilerplate inside the body: ads, promotion, editor line, disclaimer.
    boilerplate_classes = {"em_ad", "em_promo", "res-edit", "b-review", "zwothers", "ad"}
    _EDITOR = re.compile(r"^[（(]\s*责任编辑|^郑重声明|^文章来源[：:].*东方财富|^东方财富APP")

    def __init__(self, response):
        self.response = response

    @property
    def url(self) -> str:
        return self.response.url

    def _first_text(self, xpath: str) -> str | None:
        node = self.response.xpath(xpath)
        return text_of(node[0].root) if node else None

    def title(self) -> str | None:
        title = self._first_text(self.title_xpath)
        if title:
            return title
        page_title = self.response.xpath("//title/text()").get() or ""
        return page_title.rsplit("_东方财富网", 1)[0].strip() or None

    def _info_items(self) -> list[str]:
        return [text_of(n.root) for n in self.response.xpath(self.info_items_xpath)]

    def published_raw(self) -> str | None:
        for text in self._info_items():
            if re.search(r"\d{4}\s*年|\d{4}-\d\d-\d\d", text):
                return text
        return None

    def source_raw(self) -> str | None:
        for text in self._info_items():
            if re.match(r"^\s*来源\s*[:：]", text):
                return text
        return self._parsed[1]

    def author(self) -> str | None:
        for text in self._info_items():
            m = re.match(r"^\s*作者\s*[:：]\s*(.+)$", text)
            if m:
                return m.group(1).strip()
        return None

    def _is_boilerplate(self, el) -> bool:
        classes = set((el.get("class") or "").split())
        return bool(classes & self.boilerplate_classes) or bool(self._EDITOR.search(text_of(el)))

    @cached_property
    def _parsed(self):
        node = self.response.xpath(self.content_xpath)
        if not node:
            return [], None
        content = node[0].root
        # Stock names in the text are wrapped in quote links by the page, not by the author.
        for el in content.xpath(".//span[starts-with(@id, 'stock_')] | .//a[contains(@href, 'quote.eastmoney.com')]"):
            if not el.xpath(".//img"):
                unwrap(el)
        blocks = [el for el in visible_blocks(content.iterchildren()) if not self._is_boilerplate(el)]
        return _body_and_source(blocks)

    def body(self) -> list[str]:
        return self._parsed[0]

    def images(self) -> list[str]:
        return [urljoin(self.url, src) for p in self.body() for src in re.findall(r'<img[^>]+src="([^"]+)"', p)]
