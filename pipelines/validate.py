"""Drop items that cannot make a correct post, each with a logged reason and a stat.

Runs first, on the loader's output: a missing or unparseable field is a parser or page problem,
and writing a post with a guessed value would hide it. Stats: ``validate/dropped`` and
``validate/dropped/<reason>``.
"""

from __future__ import annotations

import datetime as dt
import re

from scrapy.exceptions import DropItem

from crawler.dates import SHANGHAI
from crawler.loaders import INFO_CODE

# Category slugs go into file names (category pages) and links: no separators, no dot-files.
SLUG = re.compile(r"^(?!\.)[\w·()（）.\-]{1,100}$")


class ValidatePipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.future_tolerance = dt.timedelta(minutes=crawler.settings.getint("VALIDATE_FUTURE_TOLERANCE_MINUTES", 10))

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item, spider=None):
        reason = self.problem(item)
        if reason:
            code, detail = reason
            self.stats.inc_value("validate/dropped")
            self.stats.inc_value(f"validate/dropped/{code}")
            raise DropItem(f"{code}: {detail} (url={item.get('url')!r}, layout={item.get('layout')!r})")
        return item

    def problem(self, item) -> tuple[str, str] | None:
        code = item.get("info_code")
        if not code:
            return "missing_info_code", "no info code in the share link or the URL"
        if not INFO_CODE.match(code):
            return "bad_info_code", f"info code {code[:80]!r} is not letters+digits"
        if not item.get("url"):
            return "missing_url", "no article URL"
        if not item.get("title"):
            return "missing_title", "no title found"
        if not item.get("body") and not item.get("digest"):
            return "missing_body", "no visible body paragraph and no digest"
        published = item.get("published_at")
        if published is None:
            if item.get("published_raw"):
                return "bad_date", f"cannot read a date from {item['published_raw'][:80]!r}"
            return "missing_date", "no publish date found"
        if published > dt.datetime.now(SHANGHAI) + self.future_tolerance:
            return "future_date", f"publish date {published.isoformat()} is in the future"
        category = item.get("category")
        if not category:
            return "missing_category", "no category slug"
        if not SLUG.match(category):
            return "bad_category", f"category {category[:80]!r} is not a safe slug"
        return None
