"""LinkFeed: links wait in order, leave a batch at a time, and move to disk when there are many."""

from __future__ import annotations

from scrapy import Spider
from scrapy.utils.test import get_crawler

from crawler.spiders.feeding import LinkFeed


def _feed(batch):
    crawler = get_crawler(Spider, {"LISTING_FEED_BATCH": batch})
    return LinkFeed.from_settings(crawler, lambda lines: lines)


def test_batches_come_out_oldest_first_and_nothing_twice():
    feed = _feed(3)
    feed.add(f"https://a.example/{i}.html\tNW{i}" for i in range(7))
    feed.add(["https://b.example/x.html\tNWx"])
    assert len(feed) == 8
    batches = []
    while batch := feed.next_batch():
        batches.append(batch)
    assert [len(b) for b in batches] == [3, 3, 2]
    assert [line for b in batches for line in b] == [f"https://a.example/{i}.html\tNW{i}" for i in range(7)] + [
        "https://b.example/x.html\tNWx"
    ]
    assert len(feed) == 0
    # Adding after the feed ran dry starts over cleanly.
    feed.add(["https://c.example/1.html\tNW1"])
    assert feed.next_batch() == ["https://c.example/1.html\tNW1"]


def test_a_large_listing_waits_on_disk_not_in_memory():
    feed = _feed(1000)
    n = 30_000  # ~1.4 MB of lines, past the 1 MB kept in memory
    feed.add(f"https://finews.withounder.com/kejiribao/2022/06/30/NW2022063024{i:08d}.html\tNW2022063024{i:08d}" for i in range(n))
    assert feed._file._rolled  # a real temporary file now
    seen = 0
    while batch := feed.next_batch():
        assert batch[0].endswith(f"NW2022063024{seen:08d}")
        seen += len(batch)
    assert seen == n


def test_no_bound_hands_everything_over_at_once():
    feed = _feed(0)
    feed.add(str(i) for i in range(2500))
    assert len(feed.next_batch()) == 2500
    assert feed.next_batch() == []
