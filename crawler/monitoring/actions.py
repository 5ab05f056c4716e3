"""What happens with the monitor's verdict: stats and log always, webhook and email on failure.

The stats are the interface to everything else: ``STATS_FILE`` and the run history carry them, and
``scrapy crawl`` turns ``monitor/failed`` into a non-zero exit code, so cron mail, systemd and
Scrapyd users all see a failed check without reading the log. Notifications are best effort: a
webhook that is down is logged and counted (``monitor/webhook_failed``), never an exception that
would hide the crawl's own result.
"""

from __future__ import annotations

import json
import logging
import socket
import urllib.error
import urllib.request

from spidermon.core.actions import Action
from spidermon.exceptions import SkipAction

logger = logging.getLogger("crawler.monitoring")

_FAILED = ("FAIL", "ERROR")


def check_results(result) -> list[dict]:
    """One dict per check: name, status (OK, FAIL, ERROR, SKIPPED) and the reason."""
    checks = []
    for item in result.monitor_results:
        name = getattr(item.monitor, "_testMethodName", str(item.monitor)).removeprefix("test_")
        reason = item.reason or ""
        if item.status == "ERROR" and item.error:
            reason = item.error.strip().splitlines()[-1]
        checks.append({"check": name, "status": item.status, "reason": reason})
    return checks


def verdict(action) -> dict:
    """The JSON a webhook receives (also the body of the email)."""
    stats = action.data.stats
    checks = check_results(action.result)
    return {
        "spider": action.data.spider.name,
        "finish_reason": stats.get("finish_reason"),
        "failed": [c for c in checks if c["status"] in _FAILED],
        "checks": checks,
        "stats": {
            key: stats.get(key, 0)
            for key in ("item_scraped_count", "item_dropped_count", "posts/written", "incremental/skipped",
                        "downloader/request_count", "retry/count", "log_count/ERROR", "elapsed_time_seconds")
        },
        "host": socket.gethostname(),
        "worker": stats.get("distributed/worker"),
        "finished_at": str(stats.get("finish_time", "")),
    }


class RecordResults(Action):
    """``monitor/*`` stats and one log line per check (WARNING for a failed one)."""

    def run_action(self):
        stats = self.data.crawler.stats
        checks = check_results(self.result)
        failed = [c for c in checks if c["status"] in _FAILED]
        stats.set_value("monitor/checks", len(checks))
        stats.set_value("monitor/passed", sum(c["status"] == "OK" for c in checks))
        stats.set_value("monitor/skipped", sum(c["status"] == "SKIPPED" for c in checks))
        stats.set_value("monitor/failed", len(failed))
        spider = self.data.spider.name
        for check in checks:
            stats.set_value(f"monitor/status/{check['check']}", check["status"])
            if check["status"] in _FAILED:
                stats.set_value(f"monitor/failed/{check['check']}", 1)
                logger.warning("monitor %s: FAILED %s: %s", spider, check["check"], check["reason"])
            elif check["status"] == "SKIPPED":
                logger.info("monitor %s: skipped %s: %s", spider, check["check"], check["reason"])
        if failed:
            logger.warning("monitor %s: %d of %d checks failed (%s)", spider, len(failed), len(checks),
                           ", ".join(c["check"] for c in failed))
        else:
            logger.info("monitor %s: all %d checks passed or skipped", spider, len(checks))


class NotifyWebhook(Action):
    """POST the verdict as JSON to ``MONITOR_WEBHOOK_URL`` (Slack-style incoming hooks, chat bots,
    an alerting gateway); ``MONITOR_WEBHOOK_TIMEOUT`` seconds at most, at the end of the run."""

    def run_action(self):
        settings = self.data.crawler.settings
        url = settings.get("MONITOR_WEBHOOK_URL")
        if not url:
            raise SkipAction("MONITOR_WEBHOOK_URL not set")
        body = json.dumps(verdict(self), ensure_ascii=False, default=str).encode("utf-8")
        request = urllib.request.Request(
            url, data=body, method="POST",
            headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "finews-crawler monitor"},
        )
        stats = self.data.crawler.stats
        try:
            with urllib.request.urlopen(request, timeout=settings.getfloat("MONITOR_WEBHOOK_TIMEOUT", 10)) as resp:
                stats.set_value("monitor/webhook_status", resp.status)
        except (urllib.error.URLError, OSError) as exc:
            stats.set_value("monitor/webhook_failed", 1)
            logger.error("monitor: webhook %s failed: %s", url, exc)
            return
        logger.info("monitor: failure sent to the webhook")


class NotifyEmail(Action):
    """Mail the verdict to ``MONITOR_EMAIL_TO`` through Scrapy's ``MailSender`` (``MAIL_HOST``,
    ``MAIL_PORT``, ``MAIL_FROM``, ``MAIL_USER``, ``MAIL_PASS``, ``MAIL_TLS``/``MAIL_SSL``)."""

    def run_action(self):
        settings = self.data.crawler.settings
        to = settings.getlist("MONITOR_EMAIL_TO")
        if not to:
            raise SkipAction("MONITOR_EMAIL_TO not set")
        from scrapy.mail import MailSender

        report = verdict(self)
        lines = [f"{c['check']}: {c['status']} {c['reason']}".rstrip() for c in report["checks"]]
        subject = f"[finews] {report['spider']}: {len(report['failed'])} monitor check(s) failed"
        body = "\n".join(lines) + "\n\n" + json.dumps(report["stats"], indent=1)
        MailSender.from_crawler(self.data.crawler).send(to=to, subject=subject, body=body)
        self.data.crawler.stats.set_value("monitor/email_sent", len(to))
