"""ArticleLoader: turns the raw values a page parser found into clean ``ArticleItem`` fields.

Input processors clean one raw value each; output processors decide how many values a field
keeps. Keeping this apart from the page classes means a tuner can ``scrapy parse`` a page and see
what each selector returned before any cleaning happened.
"""

from __future__ import annotations

import datetime as dt
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
        if _straight_fill_applies(ArticleLoader):
            item = _straight_fill(page, extra)
            if item is not None:
                return item
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


#: The processors ``_straight_fill`` applies by hand: field → (input functions, or None for
#: Identity; output processor type). When ArticleLoader's own differ, the lean loader runs instead.
_STRAIGHT_PROCESSORS = {
    "url": (None, TakeFirst), "info_code": ((info_code_from,), TakeFirst), "share_url": (None, TakeFirst),
    "title": ((clean_text,), TakeFirst), "published_raw": ((clean_text,), TakeFirst),
    "published_at": ((parse_date,), TakeFirst), "digest": ((clean_text,), TakeFirst), "body": ((one_line,), Identity),
    "source": ((clean_text, source_name), TakeFirst), "category": ((clean_text,), TakeFirst),
    "tags": ((clean_text,), Identity), "images": (None, Identity), "layout": (None, TakeFirst),
}
_APPLIES: dict = {}
_SCALARS = (str, dt.datetime, dt.date, int, float)


def _straight_fill_applies(loader_cls) -> bool:
    applies = _APPLIES.get(loader_cls)
    if applies is None:
        applies = _APPLIES[loader_cls] = all(
            _processors_are(loader_cls, field, functions, out) for field, (functions, out) in _STRAIGHT_PROCESSORS.items()
        )
    return applies


_PROCESSORS_ARE: dict = {}


def _processors_are(loader_cls, field: str, functions, out) -> bool:
    key = loader_cls, field, functions, out
    answer = _PROCESSORS_ARE.get(key)
    if answer is None:
        answer = _PROCESSORS_ARE[key] = _check_processors(loader_cls, field, functions, out)
    return answer


def _check_processors(loader_cls, field: str, functions, out) -> bool:
    try:
        proc_in, proc_out = _lookup_processors(loader_cls, field)
    except LookupError:
        return False
    if type(proc_out) is not out:
        return False
    if functions is None:
        return type(proc_in) is Identity
    return type(proc_in) is _MapComposeRun and proc_in.functions == functions


def _straight_fill(page, extra: dict):
    """What ``_fill`` with the lean loader gives, for ArticleLoader's own processors (see
    ``_STRAIGHT_PROCESSORS``) written out field by field: no loader object, no value lists for
    single values, no processor calls for identities. Same page calls in the same order, same
    fields in the same order. Returns None, after reading the page, for what it does not handle (a
    list where one string is kept as given, an extra field with processors of its own); the
    caller then takes the general way."""
    digest = page.digest()
    url = page.article_url() if digest else page.url
    share = page.share_url()
    own_code = page.info_code()
    share_again = page.share_url()
    title = page.title()
    raw_date = page.published_raw()
    body = None if digest else page.body()
    source = page.source_raw()
    category = page.category()
    tags = page.tags()
    images = page.images()
    layout = page.layout
    # Fields kept as given (no input function) must be single strings here; a value of another
    # kind for the others makes their functions raise, and load_article goes the general way.
    for value in (url, share_again, layout):
        if value is not None and value.__class__ is not str:
            return None
    out = {}
    if url:
        out["url"] = url
    code = info_code_from(share) if share is not None else None
    own = info_code_from(own_code) if own_code is not None else None
    if code is None:
        code = own
    if code is not None:
        out["info_code"] = code
    if share_again:
        out["share_url"] = share_again
    if title is not None and (title := clean_text(title)) is not None:
        out["title"] = title
    if raw_date is not None:
        if (published_raw := clean_text(raw_date)) is not None:
            out["published_raw"] = published_raw
        if (published_at := parse_date(raw_date)) is not None:
            out["published_at"] = published_at
    if digest:
        if (digest := clean_text(digest)) is not None:
            out["digest"] = digest
    else:
        lines = [line for p in body if (line := one_line(p)) is not None]
        if lines:
            out["body"] = lines
    if source is not None and (source := clean_text(source)) is not None and (source := source_name(source)):
        out["source"] = source
    if category is not None and (category := clean_text(category)) is not None:
        out["category"] = category
    if tags:
        tags = [tag for t in tags if (tag := clean_text(t)) is not None]
        if tags:
            out["tags"] = tags
    if images:
        out["images"] = list(images)
    if layout:
        out["layout"] = layout
    for field, value in extra.items():
        if value is None:  # replace_value(field, None) leaves the field as it is
            continue
        if value.__class__ not in _SCALARS or not _processors_are(ArticleLoader, field, None, TakeFirst):
            return None
        out.pop(field, None)
        if value != "":
            out[field] = value
    item = ArticleItem()
    for field, value in out.items():
        item[field] = value
    return item


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
