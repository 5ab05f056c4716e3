"""ArticleLoader: turns the raw values a page parser found into clean ``ArticleItem`` fields.

Input processors clean one raw value each; output processors decide how many values a field
keeps. Keeping this apart from the page classes means a tuner can ``scrapy parse`` a page and see
what each selector returned before any cleaning happened.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qs, urlsplit

from itemloaders import ItemLoader
from itemloaders.common import wrap_loader_context
from itemloaders.processors import Compose, Identity, MapCompose, TakeFirst
from itemloaders.utils import arg_to_iter
from scrapy.loader import ItemLoader as ScrapyItemLoader

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


class ArticleLoader(ScrapyItemLoader):
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
    try:
        return _fill(_LeanLoader(ArticleLoader), page, extra)
    except Exception:
        # The real ItemLoader on the same values raises the error (with its usual message) that a
        # bad value deserves; the lean loader never has to reproduce error reporting.
        return _fill(ArticleLoader(), page, extra)


def _fill(loader, page, extra: dict):
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


class _LeanLoader:
    """ItemLoader's add/replace/load semantics with the loader's own processors, minus its per-call
    machinery (processor lookup, context wrapping, error wrapping), which cost more than a post
    page's whole extraction. Same values in, same item out, fields in the same order; anything
    unusual (an error, a processor that wants the loader context) goes to the real ItemLoader.
    """

    def __init__(self, loader_cls: type[ItemLoader]):
        self._cls = loader_cls
        self._values: dict[str, list] = {}

    def add_value(self, field: str, value) -> None:
        if value is None:
            return
        processed = _processors(self._cls, field)[0](arg_to_iter(value))
        if processed:
            self._values.setdefault(field, []).extend(arg_to_iter(processed))

    def replace_value(self, field: str, value) -> None:
        if value is None:
            return
        self._values.pop(field, None)
        self.add_value(field, value)

    def load_item(self):
        item = self._cls.default_item_class()
        for field, values in self._values.items():
            value = _processors(self._cls, field)[1](values)
            if value is not None:
                item[field] = value
        return item


@lru_cache(maxsize=None)
def _processors(loader_cls: type[ItemLoader], field: str) -> tuple:
    loader = loader_cls()
    procs = loader.get_input_processor(field), loader.get_output_processor(field)
    for proc in procs:
        functions = proc.functions if isinstance(proc, (MapCompose, Compose)) else (proc,)
        if any(wrap_loader_context(f, {}) is not f for f in functions):
            raise LookupError(f"{loader_cls.__name__}.{field}: a processor takes the loader context")
    return tuple(_map_compose(p.functions) if type(p) is MapCompose else p for p in procs)


def _map_compose(functions):
    """MapCompose's own loop (each function on every value, ``None`` dropped, lists flattened),
    without re-wrapping every function for the loader context on every call."""

    def run(values):
        for func in functions:
            next_values = []
            for value in values:
                next_values += arg_to_iter(func(value))
            values = next_values
        return values

    return run
