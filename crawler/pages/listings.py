"""Listing pages other than the finews HTML lists: the Atom feed and the JSON list APIs.

Each returns the same link shape as ``FinewsListingPage.post_links`` (``url``, ``info_code`` and,
when the listing says, ``category``), so spiders treat every listing alike.
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from crawler.loaders import info_code_from
from crawler.pages.finews import post_link_info

_CODE = re.compile(r"(?:NW)?\d{18}")


class AtomFeedPage:
    """``/feed.xml`` (jekyll-feed): one ``<entry>`` per recent post, newest first."""

    layout = "atom_feed"

    def __init__(self, response):
        self.response = response

    def post_links(self) -> list[dict]:
        links = []
        for href in self.response.xpath(
            "//*[local-name()='entry']/*[local-name()='link'][not(@rel) or @rel='alternate']/@href"
        ).getall():
            url = self.response.urljoin(href.strip())
            info = post_link_info(url)
            if info:
                links.append({"url": url, **info})
        return links


class NewsListApiPage:
    """A JSON list API page: records with ``code``, ``showTime``, ``title``, ``mediaName``,
    ``summary``, ``url``; tolerant of a ``data``/``result`` wrapper and of key case."""

    layout = "news_list_api"

    def __init__(self, response):
        self.response = response
        try:
            data = json.loads(response.text)
        except ValueError:
            data = {}
        self.data = _unwrap(data)

    def records(self) -> list[dict]:
        found = []
        for raw in self.data.get("list") or self.data.get("items") or self.data.get("records") or []:
            if not isinstance(raw, dict):
                continue
            rec = {str(k).lower(): v for k, v in raw.items()}
            code = str(rec.get("code") or rec.get("infocode") or "")
            if not code and rec.get("url"):
                # No code field: the share link's infoCode, or the 18 digits of an article URL.
                digits = _CODE.search(str(rec["url"]))
                code = info_code_from(str(rec["url"])) or (digits.group(0) if digits else "")
            found.append(
                {
                    "info_code": code,
                    "show_time": rec.get("showtime"),
                    "title": rec.get("title"),
                    "media_name": rec.get("medianame"),
                    "summary": rec.get("summary") or rec.get("digest"),
                    "url": self.response.urljoin(str(rec["url"])) if rec.get("url") else None,
                }
            )
        return found

    def next_page_url(self) -> str | None:
        """The next page's URL when the listing says there are more records."""
        try:
            page = int(self.data.get("page") or self.data.get("pageindex") or 1)
            size = int(self.data.get("pagesize") or len(self.records()) or 0)
            total = int(self.data.get("total") or self.data.get("totalcount") or 0)
        except (TypeError, ValueError):
            return None
        if not size or page * size >= total:
            return None
        parts = urlsplit(self.response.url)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        key = next((k for k in query if k.lower() in ("page", "pageindex")), "page")
        query[key] = str(page + 1)
        return urlunsplit(parts._replace(query=urlencode(query)))


def _unwrap(data) -> dict:
    if not isinstance(data, dict):
        return {}
    low = {str(k).lower(): v for k, v in data.items()}
    for key in ("data", "result"):
        if isinstance(low.get(key), dict) and not any(k in low for k in ("list", "items", "records")):
            return _unwrap(low[key])
    return low

