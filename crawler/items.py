"""The article record every page parser produces and every pipeline and export consumes.

Field meanings are fixed by design §4; ``exports/article.schema.json`` documents the serialised form.
Datetimes serialise as ISO 8601 with their offset: Scrapy's default JSON encoder would drop the
time zone, and a feed consumer must not have to guess it.
"""

from __future__ import annotations

import datetime as dt

import scrapy


def _iso(value):
    return value.isoformat() if isinstance(value, (dt.datetime, dt.date)) else value


class ArticleItem(scrapy.Item):
    info_code = scrapy.Field()  # e.g. "NW202201112243997097"
    url = scrapy.Field()  # canonical article URL
    share_url = scrapy.Field()  # http://finews.zning.xyz/html_News/NewsShare.html?infoCode=…
    title = scrapy.Field()
    published_at = scrapy.Field(serializer=_iso)  # aware datetime, Asia/Shanghai
    published_raw = scrapy.Field()  # the page text the date was read from
    body = scrapy.Field()  # list of paragraphs (inner HTML, sanitised by the pipeline)
    source = scrapy.Field()  # media name, e.g. "科技日报"
    category = scrapy.Field()  # slug, e.g. "kejiribao"
    tags = scrapy.Field()  # list, e.g. ["科技日报新闻"]
    digest = scrapy.Field()  # optional lead
    images = scrapy.Field()  # optional list of image URLs found in the body
    fingerprint = scrapy.Field()  # content hash (set by the dedupe pipeline)
    crawled_at = scrapy.Field(serializer=_iso)
    layout = scrapy.Field()  # name of the page layout that produced the item (for drift reports)
    # 64-bit SimHash of the body text (near-duplicate pipeline); exported as 16 hex digits, since a
    # JSON number that large would be rounded by JavaScript consumers.
    simhash = scrapy.Field(serializer=lambda v: f"{v:016x}" if isinstance(v, int) else v)
    duplicate_of = scrapy.Field()  # info code of the earlier article this one is a syndicated copy of
