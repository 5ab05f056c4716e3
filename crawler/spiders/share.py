"""``share``: articles given as share links (``-a urls=…`` or ``-a file=…``).

Each link is resolved through the share host's JSON text API (body, and on newer servers title
and time) and, where the API is down or lacks a field, the public Eastmoney article page. The
category and tag come from the sources registry by media name, so the post is the same one the
outlet's own spider writes.
"""

from __future__ import annotations

from crawler.loaders import info_code_from
from crawler.middlewares.incremental import ARTICLE_KEY
from crawler.spiders.arguments import LinkArguments
from crawler.spiders.base import ArticleSpider


class ShareArguments(LinkArguments):
    link_kind = "a share link with an infoCode"

    @classmethod
    def link_ok(cls, url: str) -> bool:
        return "NewsShare.html" in url and bool(info_code_from(url))


class ShareSpider(ArticleSpider):
    name = "share"
    Arguments = ShareArguments

    async def start(self):
        for url in self.args.links:
            code = info_code_from(url)
            yield self.share_request(code, url, meta={ARTICLE_KEY: code})
