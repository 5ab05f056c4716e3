"""Pages of the finews Jekyll site (design §3), rendered from Posts as strings.

The crawler's page parsers are written against these shapes, so they copy the live site where it
matters to a parser: the ``<section>`` content, canonical absolute hrefs, list order (newest
first), the Atom feed of jekyll-feed. Everything outside ``<section>`` is a minimal shell.

Post bodies go through Python-Markdown to stand in for Jekyll's kramdown: raw HTML blocks pass
through, ``<http://…>`` becomes a linked paragraph and the return-links line a paragraph of two
links. Checked on every corpus post (tests/sandbox): all body HTML — hidden ``display:none``
paragraphs, ``<!-- EM_StockImg_Start -->`` comments, ``<center><img></center>``,
``<h3 class="emh3">`` — comes out with the same elements, attributes and text, so no
preprocessing is needed. Python-Markdown only drops the one-space indent before ``<p>`` lines.
Liquid (``{{ }}``, ``{% %}``) in a body is NOT evaluated, unlike Jekyll.
"""

from __future__ import annotations

import re
from html import escape
from typing import Iterable

import markdown

from .corpus import SITE_URL, Post, jekyll_escape_path

FEED_SIZE = 10  # jekyll-feed's default posts_limit
HOME_PER_TAG = 5


def newest_first(posts: Iterable[Post]) -> list[Post]:
    """Jekyll's order reversed: by date, ties by file name (here: info code)."""
    return sorted(posts, key=lambda p: (p.published, p.info_code), reverse=True)


def body_html(post: Post) -> str:
    """The post body as the site renders it (markdown → HTML)."""
    return markdown.markdown(post.body)


def category_url(slug: str) -> str:
    """Absolute URL of a category page (``category/<slug>.html`` is a page file in the site)."""
    return SITE_URL + jekyll_escape_path(f"/category/{slug}.html")


def tags_in_order(posts: Iterable[Post]) -> list[str]:
    """Tags in the order Jekyll's ``site.tags`` yields them: first use, oldest post first."""
    seen: dict[str, None] = {}
    for post in reversed(newest_first(posts)):
        for tag in post.tags:
            seen.setdefault(tag, None)
    return list(seen)


def categories(posts: Iterable[Post]) -> dict[str, str]:
    """slug → display name (the newest post's first tag, as ``[返回<tag>]`` links use), oldest first."""
    names: dict[str, str] = {}
    for post in reversed(newest_first(posts)):
        names[post.category] = post.tags[0] if post.tags else post.category
    return names


def _page(title: str, main: str, nav: str = "") -> str:
    home = escape(SITE_URL + "/")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)}</title>\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "</head>\n<body>\n"
        f'<header><a href="{home}">finews</a></header>\n'
        f"{nav}"
        f"<section>\n{main}</section>\n"
        "</body>\n</html>\n"
    )


def _post_list(posts: Iterable[Post]) -> str:
    items = "".join(f'<li><a href="{escape(p.url)}">{escape(p.title)}</a></li>\n' for p in posts)
    return f"<ul>\n{items}</ul>\n"


def render_post(post: Post) -> str:
    """A post page: local time, ``<h1>`` title, body HTML, tags line — all inside ``<section>``."""
    tags = " ".join(f"<em>{escape(t)}</em>" for t in post.tags)
    main = (
        f"<small>(GMT+8, Asia/Shanghai, CST) {post.local_time:%Y-%m-%d %H:%M:%S}</small>\n"
        f"<h1>{escape(post.title)}</h1>\n"
        f"{body_html(post)}\n"
        f"<small>tags: {tags}</small>\n"
    )
    return _page(f"{post.title} | finews", main)


def render_category(slug: str, tag: str, posts: Iterable[Post]) -> str:
    """A category page: ``<h2>`` tag and every post of ``slug`` (others in ``posts`` are ignored)."""
    own = newest_first(p for p in posts if p.category == slug)
    nav = f'<nav><a href="{escape(SITE_URL + "/")}">返回首页</a></nav>\n'
    return _page(f"{tag} | finews", f"<h2>{escape(tag)}</h2>\n{_post_list(own)}", nav)


def render_home(posts: Iterable[Post]) -> str:
    """The home page: a nav of all category pages, then per tag the 5 newest posts."""
    posts = list(posts)
    nav = "".join(
        f'<a href="{escape(category_url(slug))}">{escape(name)}</a>\n'
        for slug, name in categories(posts).items()
    )
    main = "".join(
        f"<h2>{escape(tag)}</h2>\n" + _post_list(newest_first(p for p in posts if tag in p.tags)[:HOME_PER_TAG])
        for tag in tags_in_order(posts)
    )
    return _page("finews", main, f"<nav>\n{nav}</nav>\n")


# XML 1.0 forbids most control characters; Jekyll would emit them and break the feed, the
# sandbox drops them so that fault injection stays a deliberate choice.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _x(text: str) -> str:
    return escape(_XML_INVALID.sub("", text), quote=True)


def render_feed(posts: Iterable[Post]) -> str:
    """Atom feed shaped like jekyll-feed's: the 10 newest posts, content as escaped HTML.

    Differences from jekyll-feed, for determinism and simplicity: ``<updated>`` of the feed is
    the newest post's time (not the build time), ``<id>`` of an entry is its URL, titles are not
    "smartified", no ``<summary>``/``<author>``.
    """
    recent = newest_first(posts)[:FEED_SIZE]
    updated = recent[0].local_time.isoformat() if recent else "1970-01-01T08:00:00+08:00"
    entries = []
    for p in recent:
        when = p.local_time.isoformat()
        cats = [f'<category term="{_x(p.category)}" />'] + [f'<category term="{_x(t)}" />' for t in p.tags]
        entries.append(
            "<entry>"
            f'<title type="html">{_x(p.title)}</title>'
            f'<link href="{_x(p.url)}" rel="alternate" type="text/html" title="{_x(p.title)}" />'
            f"<published>{when}</published><updated>{when}</updated>"
            f"<id>{_x(p.url)}</id>"
            f'<content type="html" xml:base="{_x(p.url)}">{_x(body_html(p))}</content>'
            + "".join(cats)
            + "</entry>\n"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<feed xmlns="http://www.w3.org/2005/Atom" >'
        '<generator uri="https://jekyllrb.com/" version="4.2.2">Jekyll</generator>'
        f'<link href="{SITE_URL}/feed.xml" rel="self" type="application/atom+xml" />'
        f'<link href="{SITE_URL}/" rel="alternate" type="text/html" />'
        f"<updated>{updated}</updated>"
        f"<id>{SITE_URL}/feed.xml</id>"
        '<title type="html">finews</title>\n' + "".join(entries) + "</feed>\n"
    )
