"""Project commands for ``scrapy <command>``: ``demo`` and ``sandbox``."""
