"""Refuse to write an article twice, across runs, keyed by info code.

The fingerprint is a hash of the visible title and body text, not of the HTML, so a re-crawl that
only sees markup churn (attribute order, whitespace) counts as unchanged. An article whose text
really changed is let through and its post is rewritten (stat ``dedupe/changed``).
"""

from __future__ import annotations

import hashlib

from scrapy.exceptions import DropItem

from pipelines.sanitize import visible_text
from pipelines.state import store_for


def fingerprint(item) -> str:
    text = "\n".join(
        [" ".join((item.get("title") or "").split())]
        + [" ".join(visible_text(p).split()) for p in item.get("body") or []]
        + [" ".join((item.get("digest") or "").split())]
    )
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class DedupePipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item, spider=None):
        item["fingerprint"] = fingerprint(item)
        stored = store_for(self.crawler).get(item["info_code"])
        if stored is None:
            return item
        if stored.fingerprint == item["fingerprint"]:
            self.stats.inc_value("dedupe/duplicate")
            raise DropItem(f"duplicate: {item['info_code']} is already written ({stored.post_path})")
        self.stats.inc_value("dedupe/changed")
        return item
