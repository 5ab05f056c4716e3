"""The finews post page and the Eastmoney article page after a template change ("layout drift").

Sites change templates without notice; the crawler's layout selectors then find nothing and, unless
something notices, empty posts get written. These pages show the same articles as
``render_finews.render_post`` and ``render_eastmoney.render_article`` but share none of the class
names, ids or structure those parsers key on: no ``<section>``, no ``<h1>``, no ``<small>`` date,
no ``#topbox``/``.infos``/``#ContentBody``, the ``em_media`` source line renamed, dates in another
format, and a page chrome with menus, a sidebar of other headlines and a footer around them. The
article text itself is unchanged, so a crawl of the drifted site must still write the same posts.

``SandboxServer(layout_drift=True)`` serves these in place of the normal post and article pages;
``install(server)`` does the same for a running server.
"""

from __future__ import annotations

import re
from html import escape

from . import render_eastmoney, render_finews
from .articles import Article
from .corpus import SITE_URL, Post

_EM_MEDIA = re.compile(r'<p class="em_media">')


def _rename_source_line(body: str) -> str:
    return _EM_MEDIA.sub('<p class="origin-note">', body)


def _chrome(title: str, main: str, *, site: str, others: list[tuple[str, str]]) -> str:
    """The page around an article: top menu, breadcrumbs, a sidebar of headlines, a footer."""
    hot = "".join(f'<li><a href="{escape(url)}">{escape(text)}</a></li>' for url, text in others)
    return (
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{escape(title)}</title>\n</head>\n<body>\n"
        f'<div class="g-top"><a class="logo" href="{escape(SITE_URL)}/">{escape(site)}</a>'
        '<ul class="g-menu"><li><a href="/">首页</a></li><li><a href="/news/">要闻</a></li>'
        '<li><a href="/stock/">股票</a></li><li><a href="/fund/">基金</a></li></ul></div>\n'
        '<div class="g-crumb"><a href="/">首页</a> &gt; <a href="/news/">资讯</a> &gt; 正文</div>\n'
        f'<div class="g-wrap">\n{main}\n'
        f'<div class="g-aside"><div class="g-box"><div class="g-box-t">热门文章</div><ul>{hot}</ul></div>'
        '<div class="g-box"><div class="g-box-t">扫码下载APP</div><img src="/static/qr.png" alt=""></div></div>\n'
        "</div>\n"
        f'<div class="g-foot">关于我们 | 联系我们 | 免责条款<br>Copyright © 2022 {escape(site)} 版权所有</div>\n'
        "</body>\n</html>\n"
    )


def render_post(post: Post, others: list[Post] = ()) -> str:
    """A finews post page in the drifted template (same article as ``render_finews.render_post``)."""
    tags = "".join(f'<a href="#">{escape(t)}</a>' for t in post.tags)
    main = (
        '<div class="g-main"><div class="a-hd">\n'
        f'<div class="a-hd-t">{escape(post.title)}</div>\n'
        f'<div class="a-hd-i"><span>发布时间：{post.local_time:%Y年%m月%d日 %H:%M:%S}</span> '
        f'<span>栏目：{escape(post.tags[0] if post.tags else post.category)}</span></div>\n'
        "</div>\n"
        f'<div class="a-bd">\n{_rename_source_line(render_finews.body_html(post))}\n</div>\n'
        f'<div class="a-ft">标签：{tags}</div></div>'
    )
    return _chrome(f"{post.title} - finews", main, site="finews",
                   others=[(p.url, p.title) for p in others if p.info_code != post.info_code][:8])


def render_article(article: Article, others: list[Article] = ()) -> str:
    """An Eastmoney article page in the drifted template (same article, ads, promotion, editor
    line and disclaimer as ``render_eastmoney.render_article``, under other names)."""
    post, digits = article.post, article.digits
    items = [
        f"<span>{post.show_time:%Y-%m-%d %H:%M}</span>",
        f"<span>来源：{escape(article.media)}</span>",
    ]
    if render_eastmoney.has_author(digits):
        items.append(f"<span>作者：{render_eastmoney._pick(render_eastmoney.AUTHORS, digits)}</span>")
    main = (
        '<div class="n-main">\n'
        f'<div class="n-t">{escape(post.title)}</div>\n'
        f'<div class="n-i">{" ".join(items)}</div>\n'
        '<div class="n-c">\n'
        '<div class="n-adv"><a href="https://acttg.eastmoney.com/pub/web" rel="nofollow">'
        '<img src="https://g1.dfcfw.com/g3/ad/banner_660x90.jpg" alt="广告" width="660" height="90"></a>'
        '<span class="n-adv-tag">广告</span></div>\n'
        f'<p class="n-tip">{escape(render_eastmoney._pick(render_eastmoney.PROMOS, digits))}</p>\n'
        f"{_rename_source_line(render_eastmoney.article_body(article))}\n"
        f'<p class="n-ed">（责任编辑：{render_eastmoney.EDITOR}）</p>\n'
        f'<div class="n-dis">{render_eastmoney.DISCLAIMER}</div>\n'
        "</div>\n"
        '<div class="n-share">分享到：<a href="javascript:;">微信</a><a href="javascript:;">微博</a></div>\n'
        "</div>"
    )
    hot = [(f"https://finance.eastmoney.com/a/{a.digits}.html", a.post.title) for a in others
           if a.digits and a.code != article.code][:8]
    return _chrome(f"{post.title}_财经频道_东方财富网", main, site="东方财富网", others=hot)


# --- serving ---------------------------------------------------------------------------------------


def install(server) -> None:
    """Serve drifted post and article pages on ``server`` (ahead of the normal routes)."""
    from .server import EASTMONEY_HOST, FINEWS_HOST, STOCK_HOST, html_response

    def post_page(sandbox, match, query):
        post = sandbox.site.by_path.get(match.group(0))
        if post is None:
            return None
        others = render_finews.newest_first(p for p in sandbox.site.posts if p.category == post.category)
        return html_response(render_post(post, others))

    def article_page(sandbox, match, query):
        post = sandbox.site.by_digits.get(match["digits"])
        if post is None:
            return None
        article = sandbox.site.article(post)
        return html_response(render_article(article, sandbox.site.column(post.category)))

    server.add_route(FINEWS_HOST, r"/.+/\d{4}/\d{2}/\d{2}/[^/]+\.html", post_page)
    for host in (EASTMONEY_HOST, STOCK_HOST):
        for pattern in (r"/a/(?P<digits>\d{18})\.html", r"/news/(?P<col>\d+),(?P<digits>\d{18})\.html"):
            server.add_route(host, pattern, article_page)
    server.layout_drift = True
