"""The post file format (design §5): front matter + body HTML + source, share and return lines.

Pure functions, so the exact bytes can be tested by hand-written expectations. Everything scraped
is escaped for the layer that reads it: YAML (front matter, via PyYAML's double-quoted emitter so
any title round-trips), HTML (source line), and Liquid (``{`` becomes ``&#123;`` in the body, so no
``{{ }}``/``{% %}`` reaches Jekyll's template engine while the rendered page still shows ``{``).
"""

from __future__ import annotations

import html
import re

import yaml

from crawler.dates import SHANGHAI

_PLAIN_SCALAR = re.compile(r"^[\w·()（）.\-]+$")


def yaml_string(value: str) -> str:
    """A one-line YAML double-quoted scalar that parses back to exactly ``value``."""
    return yaml.dump(value, default_style='"', allow_unicode=True, width=float("inf")).rstrip("\n")


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
