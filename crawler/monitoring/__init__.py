"""Post-run checks an operator would set on a production crawler, run by Spidermon.

Spidermon (the Scrapy ecosystem's monitoring framework) runs the suite in ``monitors`` when a
spider closes: item count against that spider's own recent history (``crawler.extensions.history``),
field coverage, error and retry rates, finish reason. The ``actions`` put the verdict into the log
and the stats (``monitor/failed`` and friends, so ``STATS_FILE``, the run history and the
``scrapy crawl`` exit code see it) and, when a check fails, POST it to ``MONITOR_WEBHOOK_URL``
and/or mail it to ``MONITOR_EMAIL_TO``. Every threshold is a ``MONITOR_*`` setting; see
``docs/running.md`` ("Monitoring").
"""
