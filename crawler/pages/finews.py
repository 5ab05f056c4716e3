"""The finews site (a Jekyll site): listing pages and post pages (design §3).

Selectors are class attributes so a registry entry or a subclass can override one without
touching the extraction logic.
"""

from __future__ import annotations

import re
from functools import partial
from urllib.parse import unquote, urljoin, urlsplit

from lxml import etree

from crawler.pages.html import document_root, first_string, lone_leaf, page_property, text_of, visible_blocks_html, xpath

#: ``/<slug>/YYYY/MM/DD/<code>.html`` — the post permalink of the finews site.
POST_PATH = re.compile(r"^/(?P<slug>[^/]+)/(?P<y>\d{4})/(?P<m>\d\d)/(?P<d>\d\d)/(?P<code>[A-Za-z]{0,4}\d{6,24})\.html$")
CATEGORY_PATH = re.compile(r"^/category/(?P<slug>[^/]+)\.html$")


def post_link_info(url: str) -> dict | None:
    """Slug and info code of a post URL, or None if the URL is not a post permalink."""
    m = POST_PATH.match(urlsplit(url).path)
    if not m:
        return None
    return {"category": unquote(m["slug"]), "info_code": m["code"]}


class FinewsListingPage:
    """Category page, home page: lists of ``<li><a href=post>title</a></li>`` under ``<h2>`` tags."""

    layout = "finews_listing"
    link_css = "section li a::attr(href)"
    category_link_css = "a::attr(href)"

    def __init__(self, response):
        self.response = response

    #: Characters of the body decoded and parsed at a time when the post links are streamed.
    stream_chars = 1 << 19

    def post_links(self) -> list[dict]:
        """Absolute post URLs in page order (newest first on the live site) with slug and code."""
        return list(self.iter_post_links())

    def iter_post_links(self):
        """``post_links`` one at a time, read while the page is parsed.

        A category page lists every post of its outlet (the site does not paginate): 18 MB of
        HTML at 100,000 posts, whose decoded text, full tree and list of link dicts took ~190 MB
        at once. Streamed, the page costs a chunk of text and the list of hrefs; the caller keeps
        only what it needs of each link."""
        if self.link_css != _SECTION_LINKS:
            hrefs, join = self._hrefs(self.link_css), self.response.urljoin
        else:
            hrefs, join = self._stream_section_hrefs(), partial(urljoin, self._base_url())
        for href in hrefs:
            url = join(href.strip())
            info = post_link_info(url)
            if info:
                yield {"url": url, **info}

    def _base_url(self) -> str:
        """``response.urljoin``'s base (a ``<base href>`` in the first 4,096 characters, else the
        URL), found without ``response.text``: that would decode and keep the whole body."""
        import codecs

        from w3lib.html import get_base_url

        head = codecs.getincrementaldecoder(self.response.encoding)(errors="replace").decode(self.response.body[:16384])
        return get_base_url(head[:4096], self.response.url, self.response.encoding)

    def _stream_section_hrefs(self) -> list[str]:
        """What ``_hrefs_in_section_lists`` finds, without building the tree: libxml2 reads the
        same text ``document_root`` parses (decoded as the response says, NULs dropped, UTF-8)
        a chunk at a time and reports each tag to a parser target that keeps only the stack of
        open tags. libxml2 reports the elements it implies or closes implicitly too, so the stack
        is the ``<a>``'s ancestor chain in the tree it would build. (A push parser fed the
        chunks would be simpler, but libxml2 2.14 keeps all its input until it is closed.)"""
        target = _SectionLinkTarget()
        parser = etree.HTMLParser(target=target, recover=True, encoding="utf-8", huge_tree=True)
        try:
            etree.parse(_Utf8Reader(self.response, self.stream_chars), parser)
        except etree.XMLSyntaxError:  # nothing but white space or comments: no document, no links
            pass
        return target.hrefs

    def category_links(self) -> list[dict]:
        found, seen = [], set()
        for href in self._hrefs(self.category_link_css):
            url = self.response.urljoin(href.strip())
            m = CATEGORY_PATH.match(urlsplit(url).path)
            if m and url not in seen:
                seen.add(url)
                found.append({"url": url, "category": unquote(m["slug"])})
        return found

    def _hrefs(self, css: str) -> list[str]:
        """What ``response.css(css).getall()`` gives. The two default selectors are walked over
        the tree instead: cssselect turns ``section li a`` into chained ``descendant-or-self::*``
        steps, which libxml2 evaluates in quadratic time — 20 s for a category page of 40,000
        posts, two minutes at 100,000, where this walk takes a fraction of a second."""
        if css == "section li a::attr(href)":
            return _hrefs_in_section_lists(document_root(self.response))
        if css == "a::attr(href)":
            return [href for a in document_root(self.response).iter("a") if (href := a.get("href")) is not None]
        return self.response.css(css).getall()


_SECTION_LINKS = "section li a::attr(href)"


class _SectionLinkTarget:
    """Parser target: ``href``s of ``<a>`` inside ``<li>`` inside ``<section>``, in order."""

    def __init__(self):
        self.open: list[str] = []
        self.hrefs: list[str] = []

    def start(self, tag, attrib):
        self.open.append(tag)
        if tag == "a" and (href := attrib.get("href")) is not None and _in_section_list(self.open):
            self.hrefs.append(href)

    def end(self, tag):
        if self.open:
            self.open.pop()

    def close(self):
        return self.hrefs


def _in_section_list(open_tags: list[str]) -> bool:
    """Whether the innermost open tag (an ``<a>``) has an ``<li>`` ancestor inside a ``<section>``."""
    in_li = False
    for tag in reversed(open_tags[:-1]):
        if not in_li:
            in_li = tag == "li"
        elif tag == "section":
            return True
    return False


class _Utf8Reader:
    """The response's text as UTF-8, a chunk per ``read``: what ``document_root`` hands libxml2
    (leading white space and NULs dropped), never decoded whole."""

    def __init__(self, response, chars: int):
        import codecs

        self.decoder = codecs.getincrementaldecoder(response.encoding)(errors="replace")
        self.body = memoryview(response.body)
        self.pos, self.step = 0, chars

    def read(self, size: int = -1) -> bytes:
        while self.pos < len(self.body) or self.decoder is not None:
            chunk = self.body[self.pos:self.pos + self.step]
            self.pos += len(chunk)
            final = self.pos >= len(self.body)
            text = self.decoder.decode(chunk, final=final)
            if final:
                self.decoder = None
            if self.pos == len(chunk):  # the first chunk
                text = text.lstrip()
            if text:
                return text.replace("\x00", "").encode("utf-8")
        return b""


def _hrefs_in_section_lists(root) -> list[str]:
    """``href``s of the ``<a>`` elements inside an ``<li>`` inside a ``<section>``, in document order."""
    hrefs = []
    for a in root.iter("a"):
        href = a.get("href")
        if href is None:
            continue
        in_li = False
        for ancestor in a.iterancestors():
            if not in_li:
                in_li = ancestor.tag == "li"
            elif ancestor.tag == "section":
                hrefs.append(href)
                break
    return hrefs


class FinewsPostPage:
    """A post page: ``<section>`` holding date, ``<h1>``, body paragraphs, source, share and tags.

    The page is parsed once into a plain lxml tree and the selectors run as compiled XPath on it,
    rather than through Scrapy's selectors: those build a new parser and a wrapper object per
    call, which cost several times the parse itself (``benchmarks/perf.py``). The results are the
    same, since both are libxml2 evaluating the same expressions on the same tree. The default
    selectors go further: each has a tree walk that finds exactly what its XPath finds (see
    ``_WALKS``) at a fraction of an XPath evaluation's set-up cost; an overridden selector (a
    registry entry's ``selectors:``) is evaluated as XPath.
    """

    layout = "finews_post"
    container_xpath = "//section[.//h1][1]"
    title_xpath = ".//h1"
    date_xpath = ".//small[re:test(., '\\d{4}-\\d\\d-\\d\\d')]"
    source_class = "em_media"
    share_link_xpath = ".//a[contains(@href, 'NewsShare.html')]/@href"
    tags_xpath = ".//small[starts-with(normalize-space(.), 'tags')]/em"

    def __init__(self, response):
        self.response = response
        root = document_root(response)
        if self.container_xpath == FinewsPostPage.container_xpath:
            # The walk that finds the section finds its first <h1> too: title and body start there.
            self.section, self._h1 = _section_and_h1(root)
        else:
            found = _select(root, self.container_xpath)
            #: The content container (an lxml element), or None when the layout is not there.
            self.section = found[0] if found else None
            self._h1 = next(self.section.iter("h1"), None) if self.section is not None else None

    @property
    def url(self) -> str:
        return self.response.url

    def _text(self, expr: str) -> str | None:
        if self.section is None:
            return None
        node = _select(self.section, expr)
        return text_of(node[0]) if node else None

    def title(self) -> str | None:
        if self.title_xpath == FinewsPostPage.title_xpath and self.container_xpath == FinewsPostPage.container_xpath:
            return text_of(self._h1) if self._h1 is not None else None  # .//h1: the section's first
        return self._text(self.title_xpath)

    def published_raw(self) -> str | None:
        return self._text(self.date_xpath)

    def source_raw(self) -> str | None:
        return self._source

    @page_property
    def _source(self) -> str | None:
        return self._text(f".//p[contains(concat(' ', normalize-space(@class), ' '), ' {self.source_class} ')]")

    def share_url(self) -> str | None:
        return self._share_url

    @page_property
    def _share_url(self) -> str | None:
        if self.section is None:
            return None
        href = first_string(_select(self.section, self.share_link_xpath))
        return _join(self.url, href.strip()) if href else None

    def tags(self) -> list[str]:
        if self.section is None:
            return []
        return [text_of(em) for em in _select(self.section, self.tags_xpath)]

    @page_property
    def _link_info(self) -> dict | None:
        path = _plain_url_path(self.url)
        if path is None:
            return post_link_info(self.url)
        m = POST_PATH.match(path)
        return {"category": unquote(m["slug"]), "info_code": m["code"]} if m else None

    def category(self) -> str | None:
        info = self._link_info
        return info["category"] if info else None

    def info_code(self) -> str | None:
        """From the page URL; the loader prefers the share link's ``infoCode`` when present."""
        info = self._link_info
        return info["info_code"] if info else None

    @page_property
    def _blocks(self) -> list[tuple]:
        """``(element, HTML)`` of each body block, serialised as the block is found."""
        if self.section is None:
            return []
        root = self.section
        h1 = self._h1
        # The nodes after the <h1> when it is the section's child, else all of them.
        children = h1.itersiblings() if h1 is not None and h1.getparent() is root else root.iterchildren()
        return list(visible_blocks_html(children, stop=self._is_footer))

    @property
    def _body_nodes(self) -> list:
        return [el for el, _ in self._blocks]

    def _is_footer(self, el) -> bool:
        """The body ends at the source line, a lone autolink (share or article link), the return
        links or the tags line, whichever comes first."""
        tag = el.tag
        if tag == "small":
            return True
        if el.keys() and (classes := el.get("class")) is not None and self.source_class in classes.split():
            return True
        children = len(el)
        if not children:  # no link inside a childless block but itself
            return tag == "a" and _CATEGORY_HREF.search(el.get("href") or "") is not None
        if children == 1:
            if _autolink(el):
                return True
            leaf = lone_leaf(el)
            if leaf is not None:  # el.iter("a") would visit these two
                return any(a.tag == "a" and _CATEGORY_HREF.search(a.get("href") or "") for a in (el, leaf))
        for a in el.iter("a"):
            href = a.get("href")
            if href and _CATEGORY_HREF.search(href):
                return True
        return False

    @page_property
    def _autolinks(self) -> list[str]:
        """Hrefs of the paragraphs that are a bare URL (Markdown ``<url>`` lines) in the section."""
        if self.section is None:
            return []
        return [href for el in self.section.iter("p") if (href := _autolink(el))]

    def article_url(self) -> str | None:
        """The upstream article a digest post points to (its bare link that is not a share link)."""
        for href in self._autolinks:
            if "NewsShare.html" not in href:
                return urljoin(self.url, href)
        return None

    def digest(self) -> str | None:
        """Rolling-news digest posts (category ``emnews``) have one plain paragraph and a bare
        link to the article, no source line and no share link."""
        if self.share_url() or self.source_raw() or len(self._blocks) != 1 or not self.article_url():
            return None
        return text_of(self._blocks[0][0])

    def body(self) -> list[str]:
        return [html for _, html in self._blocks]

    def images(self) -> list[str]:
        url = self.url
        return [
            urljoin(url, src)
            for el, _ in self._blocks
            if len(el) or el.tag == "img"  # a childless block holds no image but itself
            for img in _images_in(el)
            if (src := img.get("src"))
        ]


_CATEGORY_HREF = re.compile(r"/category/[^/]+\.html$")


def _join(base: str, href: str) -> str:
    """``urljoin(base, href)``, which returns ``href`` untouched when the two schemes differ: the
    share link (http) on a post page (https) is that case, and deciding it needs no URL parsing."""
    if href.startswith("http://") and base.startswith("https://"):
        return href
    return urljoin(base, href)


def _select(el, expr: str) -> list:
    """``expr`` on ``el``: by its tree walk when it is a default selector, else as XPath."""
    walk = _WALKS.get(expr)
    if walk is not None:
        found = walk(el)
        if found is not None:
            return found
    return xpath(el, expr)


def _string_value(el) -> str:
    """XPath's string-value of an element: all its descendant text, comments excluded."""
    if not len(el):
        return el.text or ""
    return etree.tostring(el, method="text", encoding="unicode", with_tail=False)


_XML_SPACE = re.compile(r"[ \t\r\n]+")
_DATE_TEXT = re.compile(r"\d{4}-\d\d-\d\d")  # what re:test() in the date selector searches for


def _first_section_with_h1(root):
    # //section[.//h1][1]: its first node in document order is the first <section> holding an <h1>
    # (an earlier qualifying sibling would come first in document order), and only [0] is used.
    section = _section_and_h1(root)[0]
    return [section] if section is not None else []


def _section_and_h1(root) -> tuple:
    """The first ``<section>`` holding an ``<h1>``, and its first ``<h1>``; (None, None) if none."""
    for section in root.iter("section"):
        h1 = next(section.iterdescendants("h1"), None)
        if h1 is not None:
            return section, h1
    return None, None


def _first_descendant(tag: str, test):
    def walk(el):
        for node in el.iterdescendants(tag):
            found = test(node)
            if found is not None:
                return [found]
        return []

    return walk


def _source_walk(css_class: str):
    token = f" {css_class} "

    def walk(el):
        for p in el.iterdescendants("p"):
            # keys(): a paragraph without attributes (most) is passed over without a class lookup
            if p.keys() and (classes := p.get("class")) is not None:
                if token in f" {_XML_SPACE.sub(' ', classes).strip(' ')} ":
                    return [p]
        return []

    return walk


# An http(s) URL of printable ASCII without brackets, query or fragment, as Scrapy hands post URLs
# over: urlsplit() would strip or reject nothing in it, and its path is what follows the host.
_PLAIN_URL = re.compile(r"https?://[^\x00-\x20\x7f-\U0010ffff/?#\[\]]*(?P<path>/[^\x00-\x20\x7f-\U0010ffff?#\[\]]*)?")


def _plain_url_path(url: str) -> str | None:
    """``urlsplit(url).path`` for a plain URL (see ``_PLAIN_URL``), else None: ask urlsplit."""
    m = _PLAIN_URL.fullmatch(url)
    return (m["path"] or "") if m else None


def _images_in(el):
    """``el.iter("img")``, without starting an iterator for a block of one leaf element."""
    leaf = lone_leaf(el)
    if leaf is None:
        return el.iter("img")
    return [img for img in (el, leaf) if img.tag == "img"]


def _starts_with_tags(small) -> bool:
    """``starts-with(normalize-space(.), 'tags')``: read from the element's own text when that
    already holds four characters past the leading whitespace, as the ``tags:`` line's does."""
    lead = (small.text or "").lstrip(" \t\r\n")
    if len(lead) >= 4:
        return lead.startswith("tags")
    return _string_value(small).lstrip(" \t\r\n").startswith("tags")


def _tags_walk(el):
    smalls = [s for s in el.iterdescendants("small") if _starts_with_tags(s)]
    if len(smalls) > 1:
        return None  # nested or repeated tag lines: leave document order across them to XPath
    return [child for child in smalls[0] if child.tag == "em"] if smalls else []


#: Default selector → the walk that finds the same nodes (only the first where callers use only
#: the first). ``tests/unit/test_perf_harness.py`` checks each against its XPath.
_WALKS = {
    FinewsPostPage.container_xpath: _first_section_with_h1,
    FinewsPostPage.title_xpath: _first_descendant("h1", lambda h1: h1),
    FinewsPostPage.date_xpath: _first_descendant("small", lambda s: s if _DATE_TEXT.search(_string_value(s)) else None),
    FinewsPostPage.share_link_xpath: _first_descendant(
        "a", lambda a: href if (href := a.get("href")) is not None and "NewsShare.html" in href else None
    ),
    FinewsPostPage.tags_xpath: _tags_walk,
    f".//p[contains(concat(' ', normalize-space(@class), ' '), ' {FinewsPostPage.source_class} ')]":
        _source_walk(FinewsPostPage.source_class),
}


def _autolink(el) -> str | None:
    """The href of a paragraph that holds nothing but one link whose text is its own URL."""
    if el.tag != "p" or len(el) != 1 or el[0].tag != "a" or (el.text or "").strip() or (el[0].tail or "").strip():
        return None
    href = (el[0].get("href") or "").strip()
    return href if href and text_of(el[0]) == href else None
