"""ArticleLoader: turns the raw values a page parser found into clean ``ArticleItem`` fields.

Input processors clean one raw value each; output processors decide how many values a field
keeps. Keeping this apart from the page classes means a tuner can ``scrapy parse`` a page and see
what each selector returned before any cleaning happened.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from itemloaders.processors import Identity, MapCompose, TakeFirst
from scrapy.loader import ItemLoader

from crawler.dates import parse_date
from crawler.items import ArticleItem

# C0/C1 controls other than tab and newline, plus lone surrogates: never meaningful in a title.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_SOURCE = re.compile(r"(?:文章)?来源\s*[:：]\s*(?P<name>[^）)]+?)\s*[）)]?\s*$")
INFO_CODE = re.compile(r"^[A-Za-z]{0,4}\d{6,24}$")


def clean_text(value: str) -> str | None:
    """Strip ends and control characters; keep inner newlines (a title may really have one)."""
    value = _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n")).strip()
    return value or None


def source_name(value: str) -> str | None:
    """``（文章来源：科技日报）``, ``来源：科技日报`` or a bare ``科技日报`` → ``科技日报``."""
    value = value.strip()
    m = _SOURCE.search(value)
    if m:
        return m["name"].strip()
    # A bare media name (an API's mediaName field); a sentence is not a media name.
    return value if value and len(value) <= 30 and not re.search(r"[：:，,。（）()]", value) else None


def info_code_from(value: str) -> str | None:
    """An info code given directly, or the ``infoCode``/``id`` parameter of a share/API URL."""
    value = value.strip()
    if INFO_CODE.match(value):
        return value
    query = parse_qs(urlsplit(value).query)
    for key in ("infoCode", "infocode", "id"):
        for candidate in query.get(key, []):
            if INFO_CODE.match(candidate):
                return candidate
    return None


def one_line(value: str) -> str | None:
    """Paragraph HTML on a single line: a blank line inside it would end the HTML block in
    Markdown and expose the rest to Markdown/Liquid processing."""
    value = " ".join(value.split("\n")).replace("\r", " ").strip()
    return value or None


class ArticleLoader(ItemLoader):
    default_item_class = ArticleItem
    default_output_processor = TakeFirst()

    title_in = MapCompose(clean_text)
    published_raw_in = MapCompose(clean_text)
    published_at_in = MapCompose(parse_date)
    source_in = MapCompose(clean_text, source_name)
    info_code_in = MapCompose(info_code_from)
    category_in = MapCompose(clean_text)
    digest_in = MapCompose(clean_text)

    body_in = MapCompose(one_line)
    body_out = Identity()
    tags_in = MapCompose(clean_text)
    tags_out = Identity()
    images_out = Identity()


def load_article(page, **extra) -> ArticleItem:
    """Fill an ArticleLoader from a page object that offers the standard field methods."""
    loader = ArticleLoader()
    digest = page.digest()
    loader.add_value("url", page.article_url() if digest else page.url)
    # The share link's infoCode is authoritative; the URL's file name is the fallback.
    loader.add_value("info_code", page.share_url())
    loader.add_value("info_code", page.info_code())
    loader.add_value("share_url", page.share_url())
    loader.add_value("title", page.title())
    raw_date = page.published_raw()
    loader.add_value("published_raw", raw_date)
    loader.add_value("published_at", raw_date)
    if digest:
        loader.add_value("digest", digest)
    else:
        loader.add_value("body", page.body())
    loader.add_value("source", page.source_raw())
    loader.add_value("category", page.category())
    loader.add_value("tags", page.tags())
    loader.add_value("images", page.images())
    loader.add_value("layout", page.layout)
    for field, value in extra.items():
        loader.replace_value(field, value)
    return loader.load_item()
