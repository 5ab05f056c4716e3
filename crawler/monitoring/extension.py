"""The extension entry in settings: Spidermon when it is installed, nothing when it is not.

Spidermon is an optional extra (``finews-crawler[monitoring]``): a plain install must still crawl,
so this wrapper hands Scrapy the real Spidermon extension, or declines with one log line.
"""

from __future__ import annotations

import logging
import warnings

from scrapy.exceptions import NotConfigured, ScrapyDeprecationWarning

logger = logging.getLogger(__name__)


class _FailedChecksAreWarnings(logging.Filter):
    """Spidermon logs each failed check's traceback at ERROR, which would count in
    ``log_count/ERROR`` and so in the error rate, the health verdict and the run history of the
    *next* reader. The verdict has its own stats (``monitor/*``); the log keeps the text, as WARNING."""

    def filter(self, record):
        if record.levelno >= logging.ERROR and str(record.msg).startswith("[Spidermon]"):
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


class Monitoring:
    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("MONITOR_ENABLED", True):
            raise NotConfigured
        try:
            from spidermon.contrib.scrapy.extensions import Spidermon
        except ImportError:
            logger.warning("monitoring is off: spidermon is not installed (pip install 'finews-crawler[monitoring]')")
            raise NotConfigured from None
        # Spidermon 1.x logs through the deprecated Spider.log(): one warning per run on every cron
        # mail, about a dependency's internals the operator can do nothing about.
        warnings.filterwarnings(
            "ignore", message=r"Spider\.log\(\) is deprecated", category=ScrapyDeprecationWarning,
            module=r"spidermon\.",
        )
        spider_logger = logging.getLogger(crawler.spidercls.name)
        if not any(isinstance(f, _FailedChecksAreWarnings) for f in spider_logger.filters):
            spider_logger.addFilter(_FailedChecksAreWarnings())
        return Spidermon.from_crawler(crawler)
