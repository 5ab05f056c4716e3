"""Publish-date parsing for Chinese news pages.

The forms news pages really use are matched by compiled regexes: absolute dates with a year
(``2022-01-11 21:48:28``, ``2022年01月11日 21:48``, ``2022/1/11``), dates without a year
(``01-11 21:48``, ``1月11日``) and the relative forms of listings and rolling news (``刚刚``,
``5分钟前``, ``3小时前``, ``昨天 08:00``, ``前天``). dateparser costs about a millisecond per call,
which would dominate parsing a whole article page, so it is only the last resort, and only for
text that names a full date or a relative one (``REQUIRE_PARTS``): ``"5"`` or ``"2022"`` alone
would otherwise become a made-up day.

Naive dates are read in ``Asia/Shanghai``. A date that cannot be parsed returns ``None`` rather
than a guess, so the validate pipeline can drop the article with a reason (``bad_date``); a date in
the future is returned as such for the same reason (``future_date``). A date without a year is the
most recent such date that is not in the future, give or take :data:`NO_YEAR_SKEW`. A date without a
time of day (``2022/1/11``, ``前天``) is midnight, not the current time: the page did not say, and
midnight is the same reading for every form.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")

#: How far ahead of ``now`` a date without a year may be and still count as this year's. A page
#: saying ``01-12 10:35`` at 10:30 on 12 January is today's with a fast clock, not last year's;
#: a date that far ahead is still judged by the validate pipeline's own tolerance.
NO_YEAR_SKEW = dt.timedelta(days=1)

_TIME = r"(?P<H>\d{1,2})\s*[:：时]\s*(?P<M>\d{1,2})(?:\s*[:：分]\s*(?P<S>\d{1,2}))?"

_ABSOLUTE = re.compile(
    r"(?P<y>(?:19|20)\d\d)\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:\s*T?\s*(?P<H>\d{1,2})\s*[:：时]\s*(?P<M>\d{1,2})(?:\s*[:：分]\s*(?P<S>\d{1,2}))?)?"
    r"(?:\s*(?P<tz>Z|[+-]\d\d:?\d\d))?"
)

# Month and day without a year: ``1月11日`` on its own, ``01-11``/``1/11`` only with a time, since
# a bare ``3-5`` is as likely a score or a range as a date.
_NO_YEAR = re.compile(
    r"(?<![\d.\-/])(?:"
    r"(?P<m1>\d{1,2})\s*月\s*(?P<d1>\d{1,2})\s*日(?:\s*" + _TIME.replace("?P<", "?P<a") + r")?"
    r"|(?P<m2>\d{1,2})\s*[-/]\s*(?P<d2>\d{1,2})\s+" + _TIME.replace("?P<", "?P<b") +
    r")(?![\d\-/])"
)

# ``N秒/分钟/小时/天前``; ``半小时前``.
_AGO = re.compile(r"(?P<n>\d{1,4}|半)\s*(?:个)?\s*(?P<unit>秒钟?|分钟?|小时|钟头|天|日|周|星期)\s*(?:之)?前")
_UNITS = {"秒": "seconds", "秒钟": "seconds", "分": "minutes", "分钟": "minutes", "小时": "hours",
          "钟头": "hours", "天": "days", "日": "days", "周": "weeks", "星期": "weeks"}

# ``今天/昨天/前天`` with an optional time of day.
_DAY_WORD = re.compile(r"(?P<word>今天|今日|昨天|昨日|前天)\s*(?:" + _TIME + r")?")
_DAYS_BACK = {"今天": 0, "今日": 0, "昨天": 1, "昨日": 1, "前天": 2}

_JUST_NOW = re.compile(r"刚刚|刚才")


def parse_date(text: str | None, *, now: dt.datetime | None = None, tz=SHANGHAI) -> dt.datetime | None:
    """Return an aware datetime in ``tz`` for the first date found in ``text``, or ``None``.

    ``now`` anchors relative dates and dates without a year (default: the current time).
    """
    if not text:
        return None
    m = _ABSOLUTE.search(text)
    if m:
        return _from_match(m, tz)
    base = (now or dt.datetime.now(tz)).astimezone(tz).replace(microsecond=0)
    for parse in (_no_year, _relative):
        found = parse(text, base)
        if found is not False:
            return found
    return _parse_fallback(text, now=base, tz=tz)


def _from_match(m: re.Match, tz) -> dt.datetime | None:
    year, month, day, hour, minute, second, offset = m.group("y", "m", "d", "H", "M", "S", "tz")
    try:
        # Without an offset the zone goes in here rather than by replace() after: the same value
        # at a third of the cost (this runs for every article).
        value = dt.datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
                            tzinfo=None if offset else tz)
    except ValueError:  # 2022-02-30 and the like: not a date, not a guess
        return None
    if not offset:
        return value
    offset = offset.replace(":", "")
    if offset == "Z":
        tzinfo = dt.timezone.utc
    else:
        sign = -1 if offset[0] == "-" else 1
        tzinfo = dt.timezone(sign * dt.timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5])))
    return value.replace(tzinfo=tzinfo).astimezone(tz)


def _clock(m: re.Match, prefix: str = "") -> tuple[int, int, int] | None:
    """Hour, minute, second of a matched time (00:00:00 when the text gave none), or None if invalid."""
    hour, minute, second = (m[prefix + k] for k in "HMS")
    hms = (int(hour or 0), int(minute or 0), int(second or 0))
    return hms if hms[0] < 24 and hms[1] < 60 and hms[2] < 60 else None


# The helpers below return False for "not this form" (try the next one) and None for "this form,
# but not a real date" (stop: an invalid date is not handed to a later, looser reader).


def _no_year(text: str, now: dt.datetime):
    m = _NO_YEAR.search(text)
    if not m:
        return False
    prefix = "a" if m["m1"] else "b"
    month, day = (int(m["m1"]), int(m["d1"])) if m["m1"] else (int(m["m2"]), int(m["d2"]))
    hms = _clock(m, prefix)
    try:
        dt.date(2000, month, day)  # a leap year: a day no year has (13-01, 02-30) is not a date
    except ValueError:
        return None
    if hms is None:
        return None
    latest = now + NO_YEAR_SKEW
    # Back at most 8 years: far enough to reach a 29 February, which only leap years have.
    for year in range(latest.year, latest.year - 9, -1):
        try:
            value = dt.datetime(year, month, day, *hms, tzinfo=now.tzinfo)
        except ValueError:  # 29 February of a common year
            continue
        if value <= latest:
            return value
    return None


def _relative(text: str, now: dt.datetime):
    if _JUST_NOW.search(text):
        return now
    m = _AGO.search(text)
    if m:
        amount = 0.5 if m["n"] == "半" else int(m["n"])
        return now - dt.timedelta(**{_UNITS[m["unit"]]: amount})
    m = _DAY_WORD.search(text)
    if m:
        hms = _clock(m)
        if hms is None:
            return None
        day = (now - dt.timedelta(days=_DAYS_BACK[m["word"]])).date()
        return dt.datetime(day.year, day.month, day.day, *hms, tzinfo=now.tzinfo)
    return False


def _parse_fallback(text: str, *, now: dt.datetime, tz) -> dt.datetime | None:
    import dateparser  # imported lazily: it is slow to import and rarely needed

    settings = {
        "TIMEZONE": str(tz),
        "RETURN_AS_TIMEZONE_AWARE": True,
        "PREFER_DATES_FROM": "past",
        "RELATIVE_BASE": now.replace(tzinfo=None),
        # An absolute date must name day, month and year: "5" or "2022" alone is not a date.
        "REQUIRE_PARTS": ["day", "month", "year"],
    }
    parsed = dateparser.parse(text.strip(), languages=["zh", "en"], settings=settings)
    return parsed.astimezone(tz).replace(microsecond=0) if parsed else None
