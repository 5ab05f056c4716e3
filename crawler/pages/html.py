"""lxml helpers shared by the page layouts: visible content blocks and their inner HTML.

The upstream article HTML (Eastmoney's text API) carries noise that is invisible on the live page:
``display:none`` paragraphs, stock-chart widgets between ``<!-- EM_StockImg_Start -->`` and
``<!-- EM_StockImg_End -->`` comments, empty paragraphs. The body we keep is what a reader sees.
"""

from __future__ import annotations

import codecs
import re
import threading
from functools import lru_cache

from lxml import etree

_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_WIDGET_START = "EM_StockImg_Start"
_WIDGET_END = "EM_StockImg_End"
#: Elements whose content is never article text.
# Not `embed`: libxml2 does not know it is void and makes the text after it its child, so
# dropping it would drop article text; the sanitiser's allow-list removes the tag itself.
_NEVER_CONTENT = {"script", "style", "noscript", "template", "iframe", "object", "form", "button"}
BLOCK_TAGS = {
    "p", "center", "div", "blockquote", "h2", "h3", "h4", "h5", "h6", "li", "pre", "table", "figure",
    "section", "article", "ul", "ol", "figcaption",
}


#: The EXSLT prefixes Scrapy's selectors predefine, so a selector written for them (``re:test``)
#: means the same here.
XPATH_NAMESPACES = {"re": "http://exslt.org/regular-expressions", "set": "http://exslt.org/sets"}
_parsers = threading.local()


def document_root(response):
    """The response's HTML as an lxml tree, built the way Scrapy's selectors build it (same text,
    same libxml2 options) but with one reused parser per thread instead of a new one per page,
    which is most of what a selector costs on a small page."""
    body = _own_utf8(response)
    if body is None:
        body = response.text.strip().replace("\x00", "").encode("utf-8") or b"<html/>"
    parser = getattr(_parsers, "html", None)
    if parser is None:
        parser = _parsers.html = etree.HTMLParser(recover=True, encoding="utf-8", huge_tree=True)
    root = etree.fromstring(body, parser=parser)
    if root is None:  # nothing but whitespace or comments
        root = etree.fromstring(b"<html/>", parser=parser)
    return root


class page_property:
    """``functools.cached_property`` minus the lock Python 3.11 takes on each first access, which
    costs more than most of what a page computes; a page object is read by one thread. Like
    cached_property, the value lands in the instance's ``__dict__``, which later reads find first."""

    def __init__(self, func):
        self.func = func
        self.name = func.__name__
        self.__doc__ = func.__doc__

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        value = instance.__dict__[self.name] = self.func(instance)
        return value


def _own_utf8(response) -> bytes | None:
    """The body itself when it already is the UTF-8 that ``response.text.strip()`` re-encodes to,
    else None. Decoding the page to text only to encode it back costs a third of the parse: when
    the body is valid UTF-8 (the decode would replace nothing), holds no NUL and starts and ends
    with markup (so stripping ASCII whitespace off the bytes strips what ``str.strip`` would; a
    BOM fails that test), the round trip gives back the same bytes."""
    body = response.body.strip()
    if body[:1] != b"<" or body[-1:] != b">" or b"\x00" in body:
        return None
    if codecs.lookup(response.encoding).name != "utf-8":
        return None
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return body


@lru_cache(maxsize=512)
def _compiled(expr: str) -> etree.XPath:
    return etree.XPath(expr, namespaces=XPATH_NAMESPACES, smart_strings=False)


def xpath(el, expr: str) -> list:
    """``expr`` evaluated on ``el``, compiled once per expression (selectors are class attributes
    that registry entries may override, so the set of expressions is small but not fixed)."""
    result = _compiled(expr)(el)
    return result if isinstance(result, list) else [result]


def first_string(results: list) -> str | None:
    """The first XPath result as text, as a Scrapy selector's ``.get()`` gives it."""
    if not results:
        return None
    value = results[0]
    if isinstance(value, etree._Element):
        return etree.tostring(value, method="html", encoding="unicode", with_tail=False)
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def is_hidden(el) -> bool:
    style = el.get("style")
    return (style is not None and _HIDDEN_STYLE.search(style) is not None) or el.get("hidden") is not None


def _text_before(el, text: str) -> None:
    """Put ``text`` where it reads just before ``el``: its previous sibling's tail or its parent's text."""
    if not text:
        return
    prev = el.getprevious()
    if prev is not None:
        prev.tail = (prev.tail or "") + text
    else:
        parent = el.getparent()
        parent.text = (parent.text or "") + text


def drop(el) -> None:
    """Remove ``el`` but keep its tail text in the document (lxml's remove() would lose it)."""
    parent = el.getparent()
    if parent is None:
        return
    _text_before(el, el.tail)
    parent.remove(el)


def unwrap(el) -> None:
    """Replace ``el`` by its children and text (a link around a stock name becomes the name)."""
    parent = el.getparent()
    if parent is None:
        return
    index = parent.index(el)
    _text_before(el, el.text)
    children = list(el)
    for offset, child in enumerate(children):
        parent.insert(index + offset, child)
    last = children[-1] if children else parent[index - 1] if index > 0 else None
    tail = el.tail or ""
    if last is not None:
        last.tail = (last.tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail
    parent.remove(el)


def lone_leaf(el):
    """``el``'s only child node when that is an element without child nodes of its own (a
    paragraph that is one ``<strong>``), else None. Such a block is its own walk: the helpers
    below look at the child directly instead of starting an lxml iterator, which costs more
    than everything else they do with a paragraph."""
    if len(el) != 1:
        return None
    child = el[0]
    return child if child.tag.__class__ is str and not len(child) else None


def strip_invisible(el) -> None:
    """Drop hidden descendants, never-content elements and stock widgets inside ``el``."""
    if not len(el):  # no child nodes at all (comments count): most paragraphs
        return
    leaf = lone_leaf(el)
    if leaf is not None:  # one element, so no widget comment before it
        if leaf.tag in _NEVER_CONTENT or (leaf.keys() and is_hidden(leaf)):
            drop(leaf)
        return
    doomed = []
    in_widget = False
    for node in el.iterdescendants():  # document order; dropping inside a dropped subtree is harmless
        if isinstance(node, etree._Comment):
            in_widget = _widget_after(node, in_widget)
            doomed.append(node)
            continue
        if not isinstance(node.tag, str):  # processing instructions, entities
            doomed.append(node)
            continue
        if in_widget or node.tag in _NEVER_CONTENT or is_hidden(node):
            doomed.append(node)
    for node in doomed:
        drop(node)


def inner_html(el) -> str:
    text = el.text
    if not len(el):
        return _escape_text(text).strip() if text else ""
    parts = [_escape_text(text)] if text else []
    for child in el if len(el) > 1 else (el[0],):
        parts.append(etree.tostring(child, encoding="unicode", method="html", with_tail=True))
    return "".join(parts).strip()


def outer_html(el) -> str:
    return etree.tostring(el, encoding="unicode", method="html", with_tail=False).strip()


def text_of(el) -> str:
    if el.tag.__class__ is str:
        children = len(el)
        if not children:  # no child nodes: the string value is the element's own text
            return (el.text or "").strip()
        if children == 1 and (leaf := lone_leaf(el)) is not None:
            return ((el.text or "") + (leaf.text or "") + (leaf.tail or "")).strip()
        # libxml2's own text serialisation: the same characters as joining itertext(), without
        # building an iterator (several times cheaper; this runs on every block of every page).
        return etree.tostring(el, method="text", encoding="unicode", with_tail=False).strip()
    return "".join(el.itertext()).strip()


def has_content(el) -> bool:
    """True when a block shows something: text other than whitespace, or an image. (Full-width
    and no-break spaces are whitespace to ``str.strip`` too, so stripped text is enough.)"""
    if text_of(el):
        return True
    if el.tag == "img":
        return True
    if not len(el):
        return False
    leaf = lone_leaf(el)
    return leaf.tag == "img" if leaf is not None else next(el.iter("img"), None) is not None


def visible_blocks(children, *, stop=None):
    """Yield the visible content blocks among ``children`` (elements and comments of a container).

    Stock widgets (between the EM_StockImg comments) and hidden or empty blocks are skipped;
    iteration ends at the first element for which ``stop(el)`` is true.
    """
    for node, _ in _visible(children, stop, False):
        yield node


def visible_blocks_html(children, *, stop=None):
    """``(block, its HTML)`` for each block ``visible_blocks`` yields, the HTML being what
    ``block_html`` gives once the block is cleaned. A block's text is decoded from the tree
    once for both the emptiness test and the HTML, which is most of the cost of a plain paragraph;
    a caller that changes a block after this sees the HTML of the block as it was."""
    return _visible(children, stop, True)


def _widget_after(comment, in_widget: bool) -> bool:
    """Whether a stock widget (between the EM_StockImg comments) is open after ``comment``."""
    text = comment.text or ""
    if _WIDGET_START in text:
        return True
    if _WIDGET_END in text:
        return False
    return in_widget


def block_html(el) -> str:
    """A body block as HTML: a paragraph's content, or an image tag itself."""
    return inner_html(el) if el.tag != "img" else outer_html(el)


def _visible(children, stop, with_html: bool):
    in_widget = False
    for node in children:
        tag = node.tag
        if tag.__class__ is not str:  # comments, processing instructions, entities
            if isinstance(node, etree._Comment):
                in_widget = _widget_after(node, in_widget)
            continue
        if stop is not None and stop(node):
            return
        # keys(): no attributes at all (most blocks) means not hidden, found without two lookups
        if in_widget or tag in _NEVER_CONTENT or (node.keys() and is_hidden(node)):
            continue
        if len(node):
            strip_invisible(node)
            if has_content(node):
                yield node, (block_html(node) if with_html else None)
        # A block without child nodes (most paragraphs) has nothing to strip, and its own text or
        # being an image is what has_content() would find.
        elif (text := node.text) and not text.isspace():
            yield node, ((_escape_text(text).strip() if tag != "img" else outer_html(node)) if with_html else None)
        elif tag == "img":
            yield node, (outer_html(node) if with_html else None)


def _escape_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
