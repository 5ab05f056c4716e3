"""Project commands for ``scrapy <command>``: ``crawl`` (argument check), ``crawlall``, ``upkeep``,
``demo`` and ``sandbox``."""
