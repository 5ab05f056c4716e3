"""ArticleLoader: turns the raw values a page parser found into clean ``ArticleItem`` fields.

Input processors clean one raw value each; output processors decide how many values a field
keeps. Keeping this apart from the page classes means a tuner can ``scrapy parse`` a page and see
what each selector returned before any cleaning happened.
"""

from __future__ import annotations

import re
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
# A URL of printable ASCII whose query is nothing but one of the parameters info_code_from() reads,
# holding a valid code (the share link's form): there urlsplit() and parse_qs() would find exactly
# that code, since such a URL has nothing for them to strip, split, unquote or reject (no brackets,
# which urlsplit() checks as an IPv6 host). Only the first '?' before any '#' starts a query.
_SOLE_CODE_PARAM = re.compile(
    r"[^\x00-\x20\x7f-\U0010ffff?#\[\]]*\?(?:infoCode|infocode|id)=(?P<code>[A-Za-z]{0,4}\d{6,24})(?:#[!-~]*)?"
)


def clean_text(value: str) -> str | None:
    """Strip ends and control characters; keep inner newlines (a title may really have one)."""
    if value.isprintable():  # no control character, surrogate or line break: nothing to replace
        return value.strip() or None
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
    m = _SOLE_CODE_PARAM.fullmatch(value)
    if m:
        return m["code"]
    query = parse_qs(urlsplit(value).query)
    for key in ("infoCode", "infocode", "id"):
        for candidate in query.get(key, []):
            if INFO_CODE.match(candidate):
                return candidate
    return None


def one_line(value: str) -> str | None:
    """Paragraph HTML on a single line: a blank line inside it would end the HTML block in
    Markdown and expose the rest to Markdown/Liquid processing."""
    value = value.replace("\n", " ").replace("\r", " ").strip()
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
        self._plan = _plan(loader_cls)
        self._values: dict[str, list] = {}

    def add_value(self, field: str, value) -> None:
        if value is None:
            return
        procs = self._plan.get(field) or _plan_field(self._cls, field)
        processed = procs[0](value)
        if processed:
            values = self._values.get(field)
            if values is None:
                self._values[field] = values = []
            values.extend(_to_iter(processed))

    def replace_value(self, field: str, value) -> None:
        if value is None:
            return
        self._values.pop(field, None)
        self.add_value(field, value)

    def load_item(self):
        item = self._cls.default_item_class()
        plan = self._plan
        for field, values in self._values.items():
            value = plan[field][1](values)
            if value is not None:
                item[field] = value
        return item


def _to_iter(value):
    """``arg_to_iter(value)``, with the two types a page gives answered without its ABC checks."""
    cls = value.__class__
    if cls is list:
        return value
    if cls is str:
        return [value]
    return arg_to_iter(value)


#: Loader class → {field: (input step, output processor)}, filled as fields are first used. The
#: input step takes the raw value (ItemLoader turns it into a list before the input processor).
_PLANS: dict = {}


def _plan(loader_cls: type[ItemLoader]) -> dict:
    plan = _PLANS.get(loader_cls)
    if plan is None:
        plan = _PLANS[loader_cls] = {}
    return plan


def _plan_field(loader_cls: type[ItemLoader], field: str) -> tuple:
    proc_in, proc_out = _lookup_processors(loader_cls, field)
    if type(proc_in) is _MapComposeRun:
        step = proc_in
    elif type(proc_in) is Identity:
        step = _to_iter
    else:
        def step(value, proc=proc_in):
            return proc(_to_iter(value))
    _plan(loader_cls)[field] = steps = (step, proc_out)
    return steps


def _lookup_processors(loader_cls: type[ItemLoader], field: str) -> tuple:
    loader = loader_cls()
    procs = loader.get_input_processor(field), loader.get_output_processor(field)
    for proc in procs:
        functions = proc.functions if isinstance(proc, (MapCompose, Compose)) else (proc,)
        if any(wrap_loader_context(f, {}) is not f for f in functions):
            raise LookupError(f"{loader_cls.__name__}.{field}: a processor takes the loader context")
    return tuple(_map_compose(p.functions) if type(p) is MapCompose else p for p in procs)


def _map_compose(functions):
    return _MapComposeRun(functions)


class _MapComposeRun:
    """MapCompose's own loop (each function on every value, ``None`` dropped, lists flattened),
    without re-wrapping every function for the loader context on every call. Called with the raw
    value: a single string, the usual case, needs no list made for it first."""

    __slots__ = ("functions",)

    def __init__(self, functions):
        self.functions = tuple(functions)

    def __call__(self, value):
        values = [value] if value.__class__ is str else _to_iter(value)
        for func in self.functions:
            next_values = []
            for value in values:
                result = func(value)
                if result is None:
                    continue
                if result.__class__ is str:
                    next_values.append(result)
                else:
                    next_values += arg_to_iter(result)
            values = next_values
        return values
