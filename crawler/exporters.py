"""Feed exporters. CSV gets one stable column per ArticleItem field, and list fields (body, tags,
images) as JSON text: Scrapy's default joins lists with commas, which the body's own commas
would make impossible to split again."""

from __future__ import annotations

import json

from scrapy.exporters import CsvItemExporter

from crawler.items import ArticleItem

FIELDS = list(ArticleItem.fields)


class JsonListsCsvItemExporter(CsvItemExporter):
    def __init__(self, file, **kwargs):
        kwargs.setdefault("fields_to_export", FIELDS)
        super().__init__(file, **kwargs)

    def serialize_field(self, field, name, value):
        value = super(CsvItemExporter, self).serialize_field(field, name, value)
        if isinstance(value, (list, tuple, dict)):
            return json.dumps(value, ensure_ascii=False)
        return value
