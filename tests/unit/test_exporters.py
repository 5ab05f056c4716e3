"""The feed exporters' short paths against Scrapy's general ones: the same bytes for every item.

The reference is the exporter with its short path switched off, i.e. Scrapy's own
``CsvItemExporter``/``JsonLinesItemExporter`` code (csv module, ItemAdapter, ScrapyJSONEncoder).
"""

import datetime as dt
import io
import random

import pytest
from scrapy.exporters import JsonLinesItemExporter
from scrapy.http import HtmlResponse

from crawler.dates import SHANGHAI
from crawler.exporters import ArticleJsonLinesItemExporter, JsonListsCsvItemExporter
from crawler.items import ArticleItem
from crawler.loaders import load_article
from crawler.pages.finews import FinewsPostPage
from sandbox import render_finews

ODD = ["", " ", ",", '"', '""', "a,b", 'say "hi"', "line\nbreak", "cr\rlf\r\n", "\u2028", "\x00nul", "tab\t",
       "科技日报，“引号”", "'single'", " leading space", "trailing space ", "{{ liquid }}", "=1+1", "\\"]


def odd_items(count: int, seed: int = 7) -> list[ArticleItem]:
    rng = random.Random(seed)
    items = []
    for i in range(count):
        item = ArticleItem()
        for name in ArticleItem.fields:
            roll = rng.random()
            if roll < 0.2:
                continue  # missing field
            if name in ("body", "tags", "images"):
                item[name] = [rng.choice(ODD) + rng.choice(ODD) for _ in range(rng.randrange(4))]
            elif name in ("published_at", "crawled_at"):
                item[name] = dt.datetime(2022, 1, 1 + i % 28, 8, 30, tzinfo=SHANGHAI)
            elif name == "simhash":
                item[name] = rng.getrandbits(64) if roll < 0.9 else None
            else:
                item[name] = None if roll > 0.95 else rng.choice(ODD) + rng.choice(ODD)
        items.append(item)
    return items


@pytest.fixture(scope="module")
def items(corpus_posts):
    crawled = dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=SHANGHAI)
    real = []
    for post in corpus_posts:
        if post.folder == "old_post" and post.body:
            response = HtmlResponse(url=post.url, body=render_finews.render_post(post).encode("utf-8"), encoding="utf-8")
            real.append(load_article(FinewsPostPage(response), crawled_at=crawled))
    assert len(real) >= 20
    real[0]["simhash"] = 0xFEDCBA9876543210
    real[1]["duplicate_of"] = "NW202201112243997097"
    return real + odd_items(300)


def export(cls, items, short: bool) -> bytes:
    out = io.BytesIO()
    exporter = cls(out, encoding="utf-8")
    if not short:
        if isinstance(exporter, JsonListsCsvItemExporter):
            exporter._short_path = False
        else:
            exporter = JsonLinesItemExporter(out, encoding="utf-8")
    exporter.start_exporting()
    for item in items:
        exporter.export_item(item)
    exporter.finish_exporting()  # the CSV exporter detaches its text wrapper here, leaving ``out`` open
    return out.getvalue()


@pytest.mark.parametrize("cls", [JsonListsCsvItemExporter, ArticleJsonLinesItemExporter])
def test_short_path_writes_what_scrapy_writes(cls, items):
    general = export(cls, items, short=False)
    assert general.count(b"\n") >= len(items)
    assert export(cls, items, short=True) == general


def test_csv_short_path_is_taken_and_other_options_are_left_to_scrapy():
    assert JsonListsCsvItemExporter(io.BytesIO())._short_path
    assert JsonListsCsvItemExporter(io.BytesIO(), fields_to_export=None)._short_path  # what FEEDS without fields gives
    assert not JsonListsCsvItemExporter(io.BytesIO(), delimiter=";")._short_path
    assert not JsonListsCsvItemExporter(io.BytesIO(), fields_to_export=["title", "info_code"])._short_path
