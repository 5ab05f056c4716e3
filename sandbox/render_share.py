"""Share host pages (design §3): the NewsShare shell, the text API and the list API.

These copy the shapes a crawler meets on ``choicewzp1.eastmoney.com``-style hosts:

* ``/html_News/NewsShare.html?infoCode=<code>`` is a shell whose script fetches the article; its
  HTML holds no article text, so a crawler must call the API instead of parsing it.
* ``/NewsData/GetNewsText.do?id=<code>`` answers the article's ``id``, ``title``, ``showTime``
  (with seconds) and ``mediaName``, and its body HTML with ``\\r\\n`` line breaks in ``text``
  (newer servers) or ``content`` (older ones). The public article page shows the time without
  seconds, so a post rebuilt from the API matches the site's to the second. An unknown code is still HTTP 200,
  with ``{"id": code, "text": null, "error": "not found"}``, because such APIs report errors in
  the payload; crawlers must check the payload, not the status.
* ``/NewsData/GetNewsList.do?column=<slug>&page=<n>&pageSize=<k>`` pages through a column,
  newest first, with the true Shanghai publish time.
"""

from __future__ import annotations

import json
from typing import Iterable, Sequence

from .articles import Article

VARIANTS = ("mixed", "text", "content")
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100

_SHELL = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, maximum-scale=1, user-scalable=no">
<title>东方财富网</title>
</head>
<body>
<div class="main">
<div id="newsContent"></div>
<div class="download"><a href="https://acttg.eastmoney.com/pub/app">打开东方财富APP，阅读全文</a></div>
</div>
<script>
(function () {
  var m = /[?&]infoCode=([^&#]*)/.exec(location.search);
  var code = m ? decodeURIComponent(m[1]) : "";
  var xhr = new XMLHttpRequest();
  xhr.open("GET", "/NewsData/GetNewsText.do?id=" + encodeURIComponent(code), true);
  xhr.onreadystatechange = function () {
    if (xhr.readyState !== 4 || xhr.status !== 200) return;
    var data = JSON.parse(xhr.responseText);
    var html = data.text || data.content;
    if (html) document.getElementById("newsContent").innerHTML = html;
  };
  xhr.send();
})();
</script>
</body>
</html>
"""


def dumps(data) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def render_share_shell() -> str:
    """The same shell for every article: the browser, not the server, fills it in."""
    return _SHELL


def text_field(code: str, variant: str) -> str:
    """``text`` or ``content``; ``mixed`` decides by the code's last digit (even → ``text``), so a
    crawler meets both shapes in one run yet always the same one for the same article."""
    if variant not in VARIANTS:
        raise ValueError(f"share_api_variant must be one of {VARIANTS}, not {variant!r}")
    if variant != "mixed":
        return variant
    return "text" if code[-1:].isdigit() and int(code[-1]) % 2 == 0 else "content"


def news_text(code: str, article: Article | None, variant: str) -> dict:
    """The text API's payload: body HTML with the real API's ``\\r\\n`` line breaks."""
    if article is None:
        return {"id": code, "text": None, "error": "not found"}
    post = article.post
    return {
        "id": code,
        "title": post.title,
        "showTime": f"{post.show_time:%Y-%m-%d %H:%M:%S}",
        "mediaName": article.media,
        text_field(code, variant): article.html.replace("\n", "\r\n"),
    }


def list_record(article: Article) -> dict:
    post = article.post
    return {
        "code": post.info_code,
        "showTime": f"{post.show_time:%Y-%m-%d %H:%M:%S}",
        "title": post.title,
        "mediaName": article.media,
        "summary": article.summary,
        "url": article.link,
    }


def _int(value: str | None, default: int, low: int, high: int | None = None) -> int:
    try:
        number = int(value) if value not in (None, "") else default
    except ValueError:
        number = default
    number = max(low, number)
    return min(high, number) if high is not None else number


def news_list(column: str, articles: Sequence[Article], page: str | None, page_size: str | None) -> dict:
    """One page of a column. Bad or missing numbers fall back to the defaults and sizes are capped,
    as list APIs do instead of failing, so a crawler must read ``page``/``pageSize`` back."""
    n = _int(page, 1, 1)
    k = _int(page_size, DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE)
    chunk: Iterable[Article] = articles[(n - 1) * k : n * k]
    return {
        "column": column,
        "page": n,
        "pageSize": k,
        "total": len(articles),
        "list": [list_record(a) for a in chunk],
    }

