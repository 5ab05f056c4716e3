"""The post file format (design §5): front matter + body HTML + source, share and return lines.

Pure functions, so the exact bytes can be tested by hand-written expectations. Everything scraped
is escaped for the layer that reads it: YAML (front matter, via PyYAML's double-quoted emitter so
any title round-trips), HTML (source line), and Liquid (``{`` becomes ``&#123;`` in the body, so no
``{{ }}``/``{% %}`` reaches Jekyll's template engine while the rendered page still shows ``{``).
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

import yaml

from crawler.dates import SHANGHAI

_PLAIN_SCALAR = re.compile(r"^[\w·()（）.\-]+$")


def yaml_string(value: str) -> str:
    """A one-line YAML double-quoted scalar that parses back to exactly ``value``.

    Byte for byte what ``yaml.dump(value, default_style='"', allow_unicode=True, width=inf)``
    writes (PyYAML's ``Emitter.write_double_quoted``: printable characters as they are, the rest
    as its escapes), without running the pure-Python emitter, which cost more per post than
    everything else in the writer; ``tests/unit/test_perf_harness.py`` checks the two agree.
    """
    if type(value) is not str:  # a str subclass is dumped with a Python tag: leave that to PyYAML
        return yaml.dump(value, default_style='"', allow_unicode=True, width=float("inf")).rstrip("\n")
    return '"' + _YAML_ESCAPE.sub(_yaml_escape, value) + '"'


# What PyYAML's emitter escapes in a double-quoted scalar with allow_unicode: anything outside
# its printable ranges, plus quote, backslash, NEL, the two Unicode line separators and the BOM.
_YAML_ESCAPE = re.compile(r'[^\x20-\x7E\xA0-\uD7FF\uE000-\uFFFD]|["\\\u2028\u2029\uFEFF]')
_YAML_REPLACEMENTS = {
    "\0": "0", "\x07": "a", "\x08": "b", "\x09": "t", "\x0A": "n", "\x0B": "v", "\x0C": "f",
    "\x0D": "r", "\x1B": "e", '"': '"', "\\": "\\", "\x85": "N", "\xA0": "_", "\u2028": "L", "\u2029": "P",
}


def _yaml_escape(match: re.Match) -> str:
    ch = match.group()
    if ch in _YAML_REPLACEMENTS:
        return "\\" + _YAML_REPLACEMENTS[ch]
    code = ord(ch)
    if code <= 0xFF:
        return "\\x%02X" % code
    if code <= 0xFFFF:
        return "\\u%04X" % code
    return "\\U%08X" % code


@lru_cache(maxsize=4096)
def yaml_scalar(value: str) -> str:
    """Plain when the value is slug-like (as the live site writes categories and tags), else quoted."""
    if _PLAIN_SCALAR.match(value) and yaml.safe_load(value) == value:
        return value
    return yaml_string(value)


def liquid_safe(text: str) -> str:
    return text.replace("{", "&#123;")


def markdown_text(text: str) -> str:
    """Plain text as one Markdown paragraph: HTML-escaped, Liquid-safe, on one line, and never
    starting a heading, list, quote or rule."""
    text = liquid_safe(html.escape(" ".join(text.split()), quote=False))
    return "\\" + text if re.match(r"^([#*+=_-]|\d+[.)]\s)", text) else text


def post_filename(item) -> str:
    return f"{item['published_at'].astimezone(SHANGHAI):%Y-%m-%d}-{item['info_code']}.md"


def render_post(item, *, site_host: str) -> str:
    tags = list(item.get("tags") or [])
    if len(tags) == 1:
        tags_value = yaml_scalar(tags[0])
    else:
        tags_value = "[" + ", ".join(yaml_string(t) for t in tags) + "]"
    category = item["category"]
    lines = [
        "---",
        "layout: post",
        f"title: {yaml_string(item['title'])}",
        f"date: {item['published_at'].astimezone(SHANGHAI):%Y-%m-%d %H:%M:%S %z}",
        f"categories: {yaml_scalar(category)}",
        f"tags: {tags_value}",
        "---",
    ]
    if item.get("digest") and not item.get("body"):
        # Rolling-news digest post: the lead as a Markdown paragraph and a bare link to the article.
        lines += ["", markdown_text(item["digest"])]
        if item.get("url"):
            lines += ["", f"<{item['url']}>"]
        return "\n".join(lines)
    lines += [f"<p>{liquid_safe(p)}</p>" for p in item.get("body") or []]
    if item.get("source"):
        lines.append(f'<p class="em_media">（文章来源：{liquid_safe(html.escape(item["source"]))}）</p>')
    if item.get("share_url"):
        lines += ["", f"<{item['share_url']}>"]
    label = liquid_safe(html.escape(tags[0] if tags else category, quote=False))
    lines += ["", f"[返回{label}](//{site_host}/category/{category}.html)｜[返回首页](//{site_host}/)"]
    return "\n".join(lines)
