"""``share``: articles given as share links (``-a urls=…`` or ``-a file=…``).

Each link is resolved through the share host's JSON text API (body, and on newer servers title
and time) and, where the API is down or lacks a field, the public Eastmoney article page. The
category and tag come from the sources registry by media name, so the post is the same one the
outlet's own spider writes.
"""

from __future__ import annotations

from pathlib import Path

import pydantic

from crawler.loaders import info_code_from
from crawler.middlewares.incremental import ARTICLE_KEY
from crawler.spiders.arguments import SpiderArguments
from crawler.spiders.base import ArticleSpider


def read_links(urls: str | None, file: str | None) -> tuple[str, ...]:
    links = [u.strip() for u in (urls or "").split(",") if u.strip()]
    if file:
        path = Path(file)
        if not path.is_file():
            raise ValueError(f"{file!r} is not a readable file (one link per line)")
        links += [line.strip() for line in path.read_text("utf-8").splitlines() if line.strip() and not line.startswith("#")]
    return tuple(dict.fromkeys(links))


class LinkArguments(SpiderArguments):
    urls: str | None = None
    file: str | None = None

    @pydantic.model_validator(mode="after")
    def _some_links(self):
        if not read_links(self.urls, self.file):
            raise ValueError("give links with -a urls=<link>[,<link>…] or -a file=<path, one per line>")
        return self

    @property
    def links(self) -> tuple[str, ...]:
        return read_links(self.urls, self.file)


class ShareArguments(LinkArguments):
    @pydantic.model_validator(mode="after")
    def _share_links(self):
        bad = [u for u in self.links if "NewsShare.html" not in u or not info_code_from(u)]
        if bad:
            raise ValueError(f"not a share link with an infoCode: {', '.join(bad[:3])}")
        return self


class ShareSpider(ArticleSpider):
    name = "share"
    Arguments = ShareArguments

    async def start(self):
        for url in self.args.links:
            code = info_code_from(url)
            yield self.share_request(code, url, meta={ARTICLE_KEY: code})
