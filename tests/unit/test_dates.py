"""Publish dates in the forms Chinese news pages use, read in Asia/Shanghai."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from crawler.dates import parse_date

SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2022, 1, 12, 10, 30, tzinfo=SH)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("(GMT+8, Asia/Shanghai, CST) 2022-01-11 21:48:28", dt.datetime(2022, 1, 11, 21, 48, 28, tzinfo=SH)),
        ("2022-01-11 21:48", dt.datetime(2022, 1, 11, 21, 48, tzinfo=SH)),
        ("2022年01月11日 21:48", dt.datetime(2022, 1, 11, 21, 48, tzinfo=SH)),
        ("发布时间：2022年1月11日21:48:05", dt.datetime(2022, 1, 11, 21, 48, 5, tzinfo=SH)),
        ("2022/1/11", dt.datetime(2022, 1, 11, tzinfo=SH)),
        ("2022-01-11T13:48:28Z", dt.datetime(2022, 1, 11, 21, 48, 28, tzinfo=SH)),
        ("2022-01-11T21:48:28+08:00", dt.datetime(2022, 1, 11, 21, 48, 28, tzinfo=SH)),
        ("3小时前", dt.datetime(2022, 1, 12, 7, 30, tzinfo=SH)),
        ("昨天 08:00", dt.datetime(2022, 1, 11, 8, 0, tzinfo=SH)),
    ],
)
def test_parse_date(text, expected):
    got = parse_date(text, now=NOW)
    assert got == expected
    assert got.utcoffset() == dt.timedelta(hours=8)


@pytest.mark.parametrize("text", ["", None, "no date here", "2022-02-30 10:00", "2022-13-01"])
def test_unparseable_is_none_not_a_guess(text):
    assert parse_date(text, now=NOW) is None
