"""Publish-date parsing for Chinese news pages.

The common absolute formats are matched by one compiled regex first: dateparser costs about a
millisecond per call, which would dominate parsing a whole article page. Anything else (relative
dates such as ``3小时前`` or ``昨天 08:00``) goes to dateparser with the site's time zone.
Naive dates are read in ``Asia/Shanghai``; a date that cannot be parsed returns ``None`` rather
than a guess, so the validate pipeline can drop the article with a reason.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")

_ABSOLUTE = re.compile(
    r"(?P<y>(?:19|20)\d\d)\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:\s*T?\s*(?P<H>\d{1,2})\s*[:：时]\s*(?P<M>\d{1,2})(?:\s*[:：分]\s*(?P<S>\d{1,2}))?)?"
    r"(?:\s*(?P<tz>Z|[+-]\d\d:?\d\d))?"
)


def parse_date(text: str | None, *, now: dt.datetime | None = None, tz=SHANGHAI) -> dt.datetime | None:
    """Return an aware datetime in ``tz`` for the first date found in ``text``, or ``None``."""
    if not text:
        return None
    m = _ABSOLUTE.search(text)
    if m:
        return _from_match(m, tz)
    return _parse_relative(text, now=now, tz=tz)


def _from_match(m: re.Match, tz) -> dt.datetime | None:
    try:
        value = dt.datetime(
            int(m["y"]), int(m["m"]), int(m["d"]),
            int(m["H"] or 0), int(m["M"] or 0), int(m["S"] or 0),
        )
    except ValueError:  # 2022-02-30 and the like: not a date, not a guess
        return None
    if m["tz"]:
        offset = m["tz"].replace(":", "")
        if offset == "Z":
            tzinfo = dt.timezone.utc
        else:
            sign = -1 if offset[0] == "-" else 1
            tzinfo = dt.timezone(sign * dt.timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5])))
        return value.replace(tzinfo=tzinfo).astimezone(tz)
    return value.replace(tzinfo=tz)


def _parse_relative(text: str, *, now: dt.datetime | None, tz) -> dt.datetime | None:
    import dateparser  # imported lazily: it is slow to import and rarely needed

    base = (now or dt.datetime.now(tz)).astimezone(tz).replace(tzinfo=None)
    settings = {
        "TIMEZONE": str(tz),
        "RETURN_AS_TIMEZONE_AWARE": True,
        "PREFER_DATES_FROM": "past",
        "RELATIVE_BASE": base,
    }
    parsed = dateparser.parse(text.strip(), languages=["zh", "en"], settings=settings)
    return parsed.astimezone(tz) if parsed else None
