"""Claim an article before writing it, so two workers never write the same article.

The shared dupefilter already hands each request to one worker, but one article can still reach
two workers at once: through two URLs (its post page and its share link), or when the requests of
a worker that died are handed out again while a slow survivor is still on them. The dedupe step
cannot see that race (both workers look before either has written), so the last step before the
writer takes a lease on the info code (``SET NX`` with a TTL, in ``pipelines.state_redis``). The
lease is released by the store when the writer records the article, in the same script that
commits the row. A worker that finds the code claimed waits for that write to finish, then looks
at the store again: the same text is now a duplicate and is dropped; a changed text is written.
A claim held by a worker that is no longer alive (its liveness key expired) is taken over at
once rather than after the TTL; the TTL only bounds a claim whose holder is alive but stuck.
"""

from __future__ import annotations

import asyncio
import time

from scrapy.exceptions import DropItem

from pipelines.state import store_for


class ClaimPipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.ttl_ms = int(crawler.settings.getfloat("DISTRIBUTED_CLAIM_TTL", 60) * 1000)
        self.poll = 0.05

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_item(self, item, spider=None):
        store = store_for(self.crawler)
        code = item["info_code"]
        deadline = time.monotonic() + self.ttl_ms / 1000 * 2
        waited = False
        while True:
            holder = store.claim(code, self.ttl_ms)
            if holder is None:
                break
            if not store.worker_alive(holder):
                if store.claim(code, self.ttl_ms, steal_from=holder) is None:
                    self.stats.inc_value("distributed/claims_taken_over")
                    break
                continue
            if time.monotonic() > deadline:
                # The holder is alive but has not written for two TTLs: let the article come back
                # on the next run rather than write it twice.
                self.stats.inc_value("distributed/claims_timed_out")
                raise DropItem(f"claimed: {code} is being written by worker {holder} (waited too long)")
            if not waited:
                waited = True
                self.stats.inc_value("distributed/claims_waited")
            await asyncio.sleep(self.poll)
        # Look again now that the lease is ours: another worker may have written and released the
        # article between this worker's dedupe check and its claim.
        stored = store.get(code)
        if stored is not None and stored.fingerprint == item.get("fingerprint"):
            store.release(code)
            self.stats.inc_value("dedupe/duplicate")
            self.stats.inc_value("distributed/written_by_another_worker")
            raise DropItem(f"duplicate: {code} was just written by another worker ({stored.post_path})")
        return item
