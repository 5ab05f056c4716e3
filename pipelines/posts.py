"""Write one Jekyll post per article into ``SITE_DIR/_posts`` and commit it to the state store.

The file is written to a temporary name in the same directory, flushed to disk and renamed over
the target, so a reader (Jekyll, rsync, a killed run) sees either the old post or the new one,
never half of one. The state row is committed after the rename: the store never claims a post that
is not on disk. A post whose bytes would not change is not rewritten (``posts/unchanged``).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from crawler.loaders import INFO_CODE
from pipelines.post_format import post_filename, render_post
from pipelines.state import store_for


class UnsafePathError(ValueError):
    pass


def atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


class PostWriterPipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.site_dir = Path(crawler.settings.get("SITE_DIR")).resolve()
        self.site_host = crawler.settings.get("POSTS_SITE_HOST", "finews.withounder.com")

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self, spider=None):
        (self.site_dir / "_posts").mkdir(parents=True, exist_ok=True)

    def target_path(self, item) -> Path:
        if not INFO_CODE.match(item["info_code"]):
            raise UnsafePathError(f"refusing info code {item['info_code']!r} as a file name")
        name = post_filename(item)
        archived = self.site_dir / "old_post" / name
        path = archived if archived.exists() else self.site_dir / "_posts" / name
        if path.resolve().parent not in (self.site_dir / "_posts", self.site_dir / "old_post"):
            raise UnsafePathError(f"post path {path} escapes SITE_DIR")
        return path

    def process_item(self, item, spider=None):
        path = self.target_path(item)
        data = render_post(item, site_host=self.site_host).encode("utf-8")
        if path.exists() and path.read_bytes() == data:
            self.stats.inc_value("posts/unchanged")
        else:
            atomic_write(path, data)
            self.stats.inc_value("posts/written")
        store_for(self.crawler).record(
            item["info_code"],
            item["fingerprint"],
            post_path=str(path.relative_to(self.site_dir)),
            url=item.get("url"),
            spider=self.crawler.spider.name if self.crawler.spider else None,
            simhash=item.get("simhash"),
        )
        return item
