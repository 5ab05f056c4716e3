"""One adapter per extractor: HTML text in, ``{"title", "body", "date"}`` out (no ``date`` key:
the extractor has no date feature, and is not scored on dates).

Peers run with the settings a user gets by default (their Chinese mode where they have one:
newspaper4k ``language="zh"``), except that nothing may touch the network. Each adapter does the
whole job a user would ask of it (title, date and body in one call), so pages per second compare
like with like.
"""

from __future__ import annotations

import datetime as dt

from crawler.dates import SHANGHAI, parse_date


def _as_date(value) -> dt.datetime | dt.date | None:
    """Peers return strings, dates or naive datetimes; read them the way our loader does."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=SHANGHAI) if value.tzinfo is None else value.astimezone(SHANGHAI)
    if isinstance(value, dt.date):
        return value
    text = str(value)
    if len(text) == 10 and text[4] == "-":  # trafilatura: a day, not a midnight
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            return None
    return parse_date(text, now=dt.datetime(2030, 1, 1, tzinfo=SHANGHAI))


def ours(html: str, url: str) -> dict:
    from crawler.pages.generic import GenericPage

    page = GenericPage.from_html(html, url)
    return {"title": page.title(), "body": "\n".join(page.body_text()), "date": page.published_at()}


def trafilatura(html: str, url: str) -> dict:
    import trafilatura as t

    doc = t.bare_extraction(html, url=url, with_metadata=True)
    if doc is None:
        return {}
    return {"title": doc.title, "body": doc.text or "", "date": _as_date(doc.date)}


_GNE = None


def gne(html: str, url: str) -> dict:
    global _GNE
    from gne import GeneralNewsExtractor

    _GNE = _GNE or GeneralNewsExtractor()
    result = _GNE.extract(html)
    return {"title": result.get("title"), "body": result.get("content") or "", "date": _as_date(result.get("publish_time"))}


_NP_CONFIG = None


def newspaper4k(html: str, url: str) -> dict:
    global _NP_CONFIG
    import newspaper

    if _NP_CONFIG is None:
        _NP_CONFIG = newspaper.Config()
        _NP_CONFIG.fetch_images = False  # no network; top-image scoring would download images
        _NP_CONFIG.language = "zh"
    article = newspaper.Article(url, config=_NP_CONFIG, language="zh")
    article.download(input_html=html)
    article.parse()
    return {"title": article.title, "body": article.text or "", "date": _as_date(article.publish_date)}


def readability(html: str, url: str) -> dict:
    import lxml.html
    from readability import Document

    doc = Document(html, url=url)
    summary = lxml.html.fromstring(doc.summary(html_partial=True))
    # One line per block, as the others give paragraphs.
    for el in summary.iter("p", "div", "br", "li", "h1", "h2", "h3", "h4", "tr"):
        el.tail = "\n" + (el.tail or "")
    # no "date" key: readability does not look for dates, so it is not scored on them
    return {"title": doc.short_title(), "body": summary.text_content()}


EXTRACTORS = {
    "ours (crawler.pages.generic)": ours,
    "trafilatura": trafilatura,
    "GNE": gne,
    "newspaper4k (zh)": newspaper4k,
    "readability-lxml": readability,
}


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in ("trafilatura", "gne", "newspaper4k", "readability-lxml", "lxml"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out
