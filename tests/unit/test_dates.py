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


# --- the forms of issue 4: no year, relative, with and without seconds (expected by hand) ------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2022-01-11 21:48:28", dt.datetime(2022, 1, 11, 21, 48, 28, tzinfo=SH)),
        ("2022年01月11日 21:48", dt.datetime(2022, 1, 11, 21, 48, tzinfo=SH)),
        ("2022年01月11日 21:48:28", dt.datetime(2022, 1, 11, 21, 48, 28, tzinfo=SH)),
        ("2022年1月11日", dt.datetime(2022, 1, 11, tzinfo=SH)),
        ("2022/1/11 9:05", dt.datetime(2022, 1, 11, 9, 5, tzinfo=SH)),
        ("2022.01.11", dt.datetime(2022, 1, 11, tzinfo=SH)),
        ("01-11 21:48", dt.datetime(2022, 1, 11, 21, 48, tzinfo=SH)),
        ("01-11 21:48:28", dt.datetime(2022, 1, 11, 21, 48, 28, tzinfo=SH)),
        ("1/11 08:00", dt.datetime(2022, 1, 11, 8, 0, tzinfo=SH)),
        ("1月11日 21:48", dt.datetime(2022, 1, 11, 21, 48, tzinfo=SH)),
        ("1月11日", dt.datetime(2022, 1, 11, tzinfo=SH)),
        ("发布于 01-11 21:48", dt.datetime(2022, 1, 11, 21, 48, tzinfo=SH)),
        ("刚刚", NOW),
        ("刚才", NOW),
        ("5分钟前", dt.datetime(2022, 1, 12, 10, 25, tzinfo=SH)),
        ("5 分前", dt.datetime(2022, 1, 12, 10, 25, tzinfo=SH)),
        ("30秒前", dt.datetime(2022, 1, 12, 10, 29, 30, tzinfo=SH)),
        ("半小时前", dt.datetime(2022, 1, 12, 10, 0, tzinfo=SH)),
        ("2个小时前", dt.datetime(2022, 1, 12, 8, 30, tzinfo=SH)),
        ("3天前", dt.datetime(2022, 1, 9, 10, 30, tzinfo=SH)),
        ("今天 08:00", dt.datetime(2022, 1, 12, 8, 0, tzinfo=SH)),
        ("昨天 08:00:15", dt.datetime(2022, 1, 11, 8, 0, 15, tzinfo=SH)),
        ("昨天08:00", dt.datetime(2022, 1, 11, 8, 0, tzinfo=SH)),
        ("昨天", dt.datetime(2022, 1, 11, tzinfo=SH)),  # no time given: midnight, like 2022/1/11
        ("前天", dt.datetime(2022, 1, 10, tzinfo=SH)),
        ("前天 23:59", dt.datetime(2022, 1, 10, 23, 59, tzinfo=SH)),
        ("3 hours ago", dt.datetime(2022, 1, 12, 7, 30, tzinfo=SH)),
    ],
)
def test_issue_forms(text, expected):
    got = parse_date(text, now=NOW)
    assert got == expected
    assert got.utcoffset() == dt.timedelta(hours=8)
    assert got.microsecond == 0


@pytest.mark.parametrize(
    "text, now, expected",
    [
        # the most recent such date that is not in the future
        ("12-31 23:59", NOW, dt.datetime(2021, 12, 31, 23, 59, tzinfo=SH)),
        ("01-13 10:35", NOW, dt.datetime(2021, 1, 13, 10, 35, tzinfo=SH)),
        ("01-12 10:29", NOW, dt.datetime(2022, 1, 12, 10, 29, tzinfo=SH)),
        # a few minutes ahead is a fast clock, not last year (the validate pipeline judges it)
        ("01-12 10:35", NOW, dt.datetime(2022, 1, 12, 10, 35, tzinfo=SH)),
        # 29 February: the latest leap year
        ("02-29 08:00", NOW, dt.datetime(2020, 2, 29, 8, 0, tzinfo=SH)),
        ("02-29 08:00", dt.datetime(2024, 3, 1, tzinfo=SH), dt.datetime(2024, 2, 29, 8, 0, tzinfo=SH)),
        # relative dates keep working across a year boundary
        ("前天 08:00", dt.datetime(2022, 1, 1, 9, 0, tzinfo=SH), dt.datetime(2021, 12, 30, 8, 0, tzinfo=SH)),
    ],
)
def test_dates_without_a_year_and_relative_dates_follow_now(text, now, expected):
    assert parse_date(text, now=now) == expected


def test_now_in_another_time_zone_is_read_in_shanghai():
    utc_now = dt.datetime(2022, 1, 12, 2, 30, tzinfo=dt.timezone.utc)  # 10:30 in Shanghai
    assert parse_date("昨天 08:00", now=utc_now) == dt.datetime(2022, 1, 11, 8, 0, tzinfo=SH)
    assert parse_date("01-12 09:00", now=utc_now) == dt.datetime(2022, 1, 12, 9, 0, tzinfo=SH)


def test_a_future_date_is_returned_as_it_is_for_validation_to_refuse():
    assert parse_date("2099-01-01 08:00:00", now=NOW) == dt.datetime(2099, 1, 1, 8, 0, tzinfo=SH)
    assert parse_date("明天 08:00", now=NOW) == dt.datetime(2022, 1, 13, 8, 0, tzinfo=SH)


@pytest.mark.parametrize(
    "text",
    [
        "5", "2022", "12345", "第3期", "3-5", "abc", "tags: 科技日报新闻",
        "昨天 25:00", "13-01 08:00", "2月30日", "02-30 08:00", "01-11 21:61",
        "1月", "分钟前", "\x00",
    ],
)
def test_numbers_that_are_not_dates_are_none_not_a_guess(text):
    assert parse_date(text, now=NOW) is None
