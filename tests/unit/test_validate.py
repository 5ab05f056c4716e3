"""Validation drops, each with its own reason and stat."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from crawler.items import ArticleItem
from pipelines.validate import ValidatePipeline

SH = ZoneInfo("Asia/Shanghai")


def good(**kw):
    item = ArticleItem(
        info_code="NW202201112243997097",
        url="https://finews.withounder.com/kejiribao/2022/01/11/NW202201112243997097.html",
        title="t",
        published_at=dt.datetime(2022, 1, 11, tzinfo=SH),
        published_raw="2022-01-11",
        body=["p"],
        category="kejiribao",
    )
    for key, value in kw.items():
        if value is None:
            item.pop(key, None)
        else:
            item[key] = value
    return item


@pytest.mark.parametrize(
    "change, reason",
    [
        ({"info_code": None}, "missing_info_code"),
        ({"info_code": "../../etc/passwd"}, "bad_info_code"),
        ({"info_code": "NW..%2F.."}, "bad_info_code"),
        ({"title": None}, "missing_title"),
        ({"body": None}, "missing_body"),
        ({"published_at": None}, "bad_date"),
        ({"published_at": None, "published_raw": None}, "missing_date"),
        ({"published_at": dt.datetime.now(SH) + dt.timedelta(days=2)}, "future_date"),
        ({"category": "../x"}, "bad_category"),
        ({"category": None}, "missing_category"),
    ],
)
def test_drop_reasons(change, reason):
    crawler = get_crawler()
    crawler.stats.open_spider()
    pipe = ValidatePipeline.from_crawler(crawler)
    with pytest.raises(DropItem, match=reason):
        pipe.process_item(good(**change))
    assert crawler.stats.get_value(f"validate/dropped/{reason}") == 1
    assert crawler.stats.get_value("validate/dropped") == 1


def test_good_item_passes():
    crawler = get_crawler()
    crawler.stats.open_spider()
    item = good()
    assert ValidatePipeline.from_crawler(crawler).process_item(item) is item
