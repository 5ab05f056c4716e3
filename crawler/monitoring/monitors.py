"""The checks, as one Spidermon monitor with a test per check, and the suite that runs them.

Each test reads only the finished run's stats, the settings and the run history, so a check can
be reproduced from ``STATS_FILE`` and ``history.sqlite3`` alone. A check that has nothing to judge
(no items for coverage, too little history for a baseline) is skipped, not passed: the stats say
which checks really ran.
"""

from __future__ import annotations

import statistics

from spidermon import Monitor, MonitorSuite, monitors

from crawler.extensions.history import RunHistory, articles_seen, history_path
from crawler.monitoring.actions import NotifyEmail, NotifyWebhook, RecordResults

#: Field (as an operator calls it) → item fields any one of which counts (a digest post has
#: ``digest`` instead of a body).
FIELDS = {
    "title": ("title",),
    "date": ("published_at",),
    "body": ("body", "digest"),
    "source": ("source",),
}


def _rate(part, whole) -> float:
    return part / whole if whole else 0.0


@monitors.name("finews")
class RunMonitor(Monitor):
    longMessage = False  # the reason is the message, without unittest's "x not less than y :"

    @property
    def settings(self):
        return self.data.crawler.settings

    @property
    def stats(self):
        return self.data.stats

    @monitors.name("item_count")
    def test_item_count(self):
        """Articles seen (new + already stored) against the median of this spider's last runs."""
        seen = articles_seen(self.stats)
        minimum = self.settings.getint("MONITOR_MIN_ITEMS", 0)
        self.assertGreaterEqual(seen, minimum, f"{seen} articles seen, fewer than MONITOR_MIN_ITEMS={minimum}")
        history = RunHistory(history_path(self.settings))
        try:
            runs = history.recent(self.data.spider.name, self.settings.getint("MONITOR_HISTORY_RUNS", 10))
        finally:
            history.close()
        needed = self.settings.getint("MONITOR_HISTORY_MIN_RUNS", 3)
        if len(runs) < needed:
            self.skipTest(f"{len(runs)} earlier finished runs, {needed} needed for a baseline")
        median = statistics.median(run["seen"] for run in runs)
        ratio = self.settings.getfloat("MONITOR_ITEM_COUNT_MIN_RATIO", 0.5)
        self.assertGreaterEqual(
            seen, ratio * median,
            f"{seen} articles seen, expected at least {ratio * median:g} "
            f"({ratio:g} x the median {median:g} of the last {len(runs)} finished runs)",
        )

    @monitors.name("field_coverage")
    def test_field_coverage(self):
        """Share of scraped items that have each required field (MONITOR_FIELD_COVERAGE)."""
        items = self.stats.get("spidermon_item_scraped_count", 0)
        if not items:
            self.skipTest("no items scraped")
        rules = self.settings.getdict("MONITOR_FIELD_COVERAGE")
        low = []
        for field, minimum in rules.items():
            names = FIELDS.get(field, (field,))
            have = sum(
                value for key, value in self.stats.items()
                if key.startswith("spidermon_item_scraped_count/") and key.count("/") == 2
                and key.rsplit("/", 1)[1] in names
            )
            coverage = min(1.0, have / items)
            if coverage < float(minimum):
                low.append(f"{field} {coverage:.0%} < {float(minimum):.0%}")
        self.assertFalse(low, f"field coverage too low over {items} items: " + ", ".join(low))

    def _enough_requests(self) -> int:
        """A rate of 1 in 4 says nothing about a site: small runs are left to the health check."""
        requests = self.stats.get("downloader/request_count", 0)
        minimum = self.settings.getint("MONITOR_MIN_REQUESTS", 50)
        if requests < minimum:
            self.skipTest(f"{requests} requests, fewer than MONITOR_MIN_REQUESTS={minimum} to judge a rate")
        return requests

    @monitors.name("error_rate")
    def test_error_rate(self):
        """Errors logged per request sent."""
        requests = self._enough_requests()
        errors = self.stats.get("log_count/ERROR", 0)
        limit = self.settings.getfloat("MONITOR_MAX_ERROR_RATE", 0.05)
        self.assertLessEqual(
            _rate(errors, requests), limit,
            f"{errors} errors in {requests} requests ({_rate(errors, requests):.1%}), limit {limit:.1%}",
        )

    @monitors.name("retry_rate")
    def test_retry_rate(self):
        """Retries per request sent: a site that is slowing down or rate-limiting shows here first."""
        requests = self._enough_requests()
        retries = self.stats.get("retry/count", 0)
        limit = self.settings.getfloat("MONITOR_MAX_RETRY_RATE", 0.2)
        self.assertLessEqual(
            _rate(retries, requests), limit,
            f"{retries} retries in {requests} requests ({_rate(retries, requests):.1%}), limit {limit:.1%}",
        )

    @monitors.name("finish_reason")
    def test_finish_reason(self):
        reason = self.stats.get("finish_reason")
        expected = self.settings.getlist("MONITOR_FINISH_REASONS") or ["finished"]
        self.assertIn(reason, expected, f"finish reason {reason!r}, expected one of {expected}")


class RunMonitorSuite(MonitorSuite):
    monitors = [RunMonitor]
    monitors_finished_actions = [RecordResults]
    monitors_failed_actions = [NotifyWebhook, NotifyEmail]
