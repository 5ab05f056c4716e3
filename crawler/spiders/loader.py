"""Spider loader that adds one spider per outlet of the sources registry.

Outlets are data (``crawler/sources.yaml``, or the file named by ``SOURCES_FILE``): adding an entry
there makes ``scrapy list`` show a new spider and ``scrapy crawl <slug>`` run it, with no code
change. Each generated spider is ``FinewsSpider`` configured for the outlet's category, tag,
listing URLs and selector overrides.
"""

from __future__ import annotations

import re

from scrapy.spiderloader import SpiderLoader

from crawler.pages.finews import FinewsPostPage
from crawler.spiders.finews import FinewsSpider


def outlet_spider(source) -> type[FinewsSpider]:
    attrs = {
        "__module__": "crawler.spiders.outlets",
        "__doc__": f"{source.name}: category {source.slug} ({source.tag}).",
        "name": source.slug,
        "categories": (source.slug,),
        "category": source.slug,
        "tag": source.tag,
        "media_name": source.name,
        "listings": tuple(source.listings),
    }
    if source.selectors:
        unknown = [k for k in source.selectors if not hasattr(FinewsPostPage, k)]
        if unknown:
            raise ValueError(f"outlet {source.slug}: unknown selector override(s) {unknown}")
        attrs["post_page_class"] = type(f"{_identifier(source.slug)}PostPage", (FinewsPostPage,), dict(source.selectors))
    return type(f"{_identifier(source.slug)}Spider", (FinewsSpider,), attrs)


def _identifier(slug: str) -> str:
    return "Outlet_" + re.sub(r"\W", "_", slug.encode("ascii", "backslashreplace").decode())


class SourcesSpiderLoader(SpiderLoader):
    def __init__(self, settings):
        self.sources_file = settings.get("SOURCES_FILE") or None
        super().__init__(settings)

    def _load_all_spiders(self) -> None:
        super()._load_all_spiders()
        from crawler.sources import load_sources

        for source in load_sources(self.sources_file):
            if source.slug in self._spiders:
                # A hand-written spider of the same name wins; say so once.
                self._found[source.slug].append(("crawler.spiders.outlets", source.slug))
                continue
            cls = outlet_spider(source)
            self._found[cls.name].append((cls.__module__, cls.__name__))
            self._spiders[cls.name] = cls
        self._check_name_duplicates()
