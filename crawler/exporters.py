"""Feed exporters. CSV gets one stable column per ArticleItem field, and list fields (body, tags,
images) as JSON text: Scrapy's default joins lists with commas, which the body's own commas
would make impossible to split again.

Both exporters also take a shorter path for an ArticleItem with the default options, which gives
the same bytes as Scrapy's general one (``tests/unit/test_exporters.py`` holds them to it): the
general path looks every field up through ItemAdapter several times per item, and the stdlib csv
writer walks a field character by character; with a body of a few thousand characters the two
feeds cost half a millisecond an article, a tenth of what the whole pipeline costs
(``benchmarks/perf.py``).
"""

from __future__ import annotations

import json

from scrapy.exporters import CsvItemExporter, JsonLinesItemExporter
from scrapy.utils.python import to_bytes

from crawler.items import ArticleItem

FIELDS = list(ArticleItem.fields)


def _identity(value):
    return value


#: Each field's own serializer (``scrapy.Field(serializer=…)``), looked up once.
_SERIALIZERS = {name: meta.get("serializer", _identity) for name, meta in ArticleItem.fields.items()}
#: What makes the csv module quote a field in its default dialect (QUOTE_MINIMAL, ``,``, ``"``, ``\r\n``).
_NEEDS_QUOTES = (",", '"', "\r", "\n")


def _csv_field(value) -> str | None:
    """One field as the default csv dialect writes it, or None when only the csv module knows."""
    if value is None:
        return ""
    if type(value) is not str:
        return None  # numbers and other types: left to csv's own conversion rules
    if any(c in value for c in _NEEDS_QUOTES):
        return '"' + value.replace('"', '""') + '"'
    return value


class JsonListsCsvItemExporter(CsvItemExporter):
    def __init__(self, file, **kwargs):
        if kwargs.get("fields_to_export") is None:  # the feed exporter passes None when FEEDS names no fields
            kwargs["fields_to_export"] = FIELDS
        super().__init__(file, **kwargs)
        # The short path is only sure to match the csv module in its default dialect, for our columns.
        self._short_path = not self._kwargs and list(self.fields_to_export) == FIELDS and self._join_multivalued == ","

    def serialize_field(self, field, name, value):
        value = super(CsvItemExporter, self).serialize_field(field, name, value)
        if isinstance(value, (list, tuple, dict)):
            return json.dumps(value, ensure_ascii=False)
        return value

    def export_item(self, item):
        if not (self._short_path and type(item) is ArticleItem and not self._headers_not_written):
            super().export_item(item)
            return
        fields = []
        for name in FIELDS:
            if name in item:
                value = _SERIALIZERS[name](item[name])
                if isinstance(value, (list, tuple, dict)):
                    value = json.dumps(value, ensure_ascii=False)
                if isinstance(value, bytes):
                    value = value.decode(self.encoding)  # what Scrapy's _build_row does
            else:
                value = ""
            field = _csv_field(value)
            if field is None:
                super().export_item(item)
                return
            fields.append(field)
        self.stream.write(",".join(fields) + "\r\n")


class ArticleJsonLinesItemExporter(JsonLinesItemExporter):
    """Scrapy's JSON Lines exporter: populated fields in declaration order, each through its own
    serializer, encoded by ScrapyJSONEncoder; shorter for an ArticleItem with default options."""

    def export_item(self, item):
        if type(item) is not ArticleItem or self.fields_to_export is not None or self.export_empty_fields:
            super().export_item(item)
            return
        populated = item.keys()
        itemdict = {name: _SERIALIZERS[name](item[name]) for name in FIELDS if name in populated}
        self.file.write(to_bytes(self.encoder.encode(itemdict) + "\n", self.encoding))
