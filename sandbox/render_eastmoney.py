"""Public Eastmoney article pages (``finance.eastmoney.com/a/<18 digits>.html``, design §3).

No captured copy of these pages exists, so this builds them from the design's description, with
the boilerplate a parser has to get past: an ad block and a promotional paragraph before the
article, quote links wrapped around stock names inside the text, and the editor line and the
disclaimer after it, all inside ``div#ContentBody``. The article itself is the post's body HTML
unchanged apart from those links (hidden paragraphs, chart widgets and images stay), ending with
Eastmoney's own ``（文章来源：…）`` paragraph. The date shows minutes only, in Shanghai time.

Variation comes from the code so that the same article always renders the same page: every
third article has an ``作者：`` item, and the promotional text differs between articles.
"""

from __future__ import annotations

import re
from html import escape
from urllib.parse import quote

from .articles import Article

#: Stock names seen in the corpus → Eastmoney quote ids (market.code).
STOCKS = {
    "潍柴动力": "0.000338",
    "贵州茅台": "1.600519",
    "三一重工": "1.600031",
    "国泰君安": "1.601211",
    "中信建投": "1.601066",
    "中国银河": "1.601881",
    "中国石化": "1.600028",
    "中信证券": "1.600030",
    "华泰证券": "1.601688",
    "中金公司": "1.601995",
    "广发证券": "0.000776",
    "兴业证券": "1.601377",
    "招商证券": "1.600999",
    "光大证券": "1.601788",
    "申万宏源": "0.000166",
    "东方财富": "0.300059",
    "阿里巴巴": "116.09988",
    "美团": "116.03690",
    "腾讯": "116.00700",
}
MAX_QUOTE_LINKS = 3

PROMOS = (
    "东方财富APP：7×24小时全球财经直播，重要资讯第一时间推送，点击下载。",
    "东方财富APP：行情、资讯、研报一站看齐，自选股异动实时提醒。",
    "东方财富APP：专业财经资讯，实时行情数据，下载即可免费使用。",
)
EDITOR = "DF358"
AUTHORS = ("本报记者", "特约评论员", "综合报道")
DISCLAIMER = "郑重声明：东方财富发布此内容旨在传播更多信息，与本站立场无关，不构成投资建议。据此操作，风险自担。"

_TOKENS = re.compile(r"(<!--.*?-->|<[^>]*>)", re.S)


def quote_link(name: str, quote_id: str) -> str:
    return f'<span id="stock_{quote_id}"><a href="http://quote.eastmoney.com/unify/r/{quote_id}">{name}</a></span>'


def add_quote_links(html: str, limit: int = MAX_QUOTE_LINKS) -> str:
    """Wrap the first occurrence of known stock names in quote links, as Eastmoney's pages do.

    Only text outside tags, comments and existing links is touched, so the page's text stays
    exactly the API's text and a parser that keeps link text loses nothing.
    """
    todo = dict(STOCKS)
    out, depth, done = [], 0, 0
    for i, part in enumerate(_TOKENS.split(html)):
        if i % 2:  # a tag or comment
            if re.match(r"<a\b", part, re.I):
                depth += 1
            elif re.match(r"</a\s*>", part, re.I):
                depth = max(0, depth - 1)
            out.append(part)
            continue
        pos = 0
        while not depth and done < limit:
            hits = [(at, name) for name in todo if (at := part.find(name, pos)) >= 0]
            if not hits:
                break
            at, name = min(hits)
            out += [part[pos:at], quote_link(name, todo.pop(name))]
            pos, done = at + len(name), done + 1
        out.append(part[pos:])
    return "".join(out)


def _pick(options, digits: str):
    return options[int(digits) // 7 % len(options)]


def has_author(digits: str) -> bool:
    return int(digits) % 3 == 0


def article_body(article: Article) -> str:
    if article.is_digest:
        return f"<p>{escape(article.digest)}</p>"
    return add_quote_links(article.html)


def render_article(article: Article) -> str:
    post, digits = article.post, article.digits
    title = escape(post.title)
    media = escape(article.media)
    source_href = escape("https://so.eastmoney.com/news/s?keyword=" + quote(article.media))
    items = [
        f'<div class="item">{post.show_time:%Y年%m月%d日 %H:%M}</div>',
        f'<div class="item">来源：<a href="{source_href}" target="_blank" rel="nofollow">{media}</a></div>',
    ]
    if has_author(digits):
        items.append(f'<div class="item">作者：{_pick(AUTHORS, digits)}</div>')
    infos = "\n".join(items)
    return f"""<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<title>{title}_东方财富网</title>
<meta name="keywords" content="{title}">
<meta name="description" content="{escape(article.summary)}">
<link rel="canonical" href="http://finance.eastmoney.com/a/{digits}.html">
</head>
<body>
<div class="topnav"><a href="http://www.eastmoney.com/">东方财富网</a> &gt; <a href="http://finance.eastmoney.com/">财经频道</a> &gt; <span>正文</span></div>
<div class="main">
<div class="contentwrap">
<div id="topbox">
<div class="title">{title}</div>
<div class="infos">
{infos}
</div>
</div>
<div id="ContentBody" class="txtinfos">
<div class="em_ad"><a href="https://acttg.eastmoney.com/pub/web" target="_blank" rel="nofollow"><img src="https://g1.dfcfw.com/g3/ad/banner_660x90.jpg" alt="广告" width="660" height="90"></a><span class="adtag">广告</span></div>
<p class="em_promo">{_pick(PROMOS, digits)}</p>
{article_body(article)}
<p class="res-edit">（责任编辑：{EDITOR}）</p>
<div class="b-review">{DISCLAIMER}</div>
</div>
<div class="sharebox">分享到：<a href="javascript:;" class="wx">微信</a><a href="javascript:;" class="wb">微博</a></div>
</div>
<div class="sidebar"><div class="hot"><h3>热门资讯</h3></div></div>
</div>
<div class="footer">东方财富网版权所有 未经许可禁止转载</div>
</body>
</html>
"""
