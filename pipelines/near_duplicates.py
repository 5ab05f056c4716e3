"""Recognise a syndicated copy: the same article carried by another outlet under another info code.

Exact dedupe (``pipelines.dedupe``) keys on the info code and a hash of title and text, so it cannot
see a copy: the code differs, the title is often rewritten, and the copy gains a first line
(``本报讯``, an editor's note) or a different source line. A 64-bit SimHash of the body text moves
only a few bits under such edits and lands about 32 bits away for an unrelated text, so "within
``NEAR_DUPLICATE_MAX_DISTANCE`` bits of a stored article" is the test, answered by the state store's
band index without a table scan.

Why 4 bits (``NEAR_DUPLICATE_MAX_DISTANCE``), measured on the 27 real ``old_post`` articles: a copy
with an editor's note as new first paragraph and another source line is 0–5 bits away for the 23
articles of 900+ characters (21 within 4); 1,035 randomised copies of those (other leads, lead
merged into the first paragraph, an editor line at the end) are within 3 bits for 85 %, within 4
for 93 %, within 5 for 97 %. Different articles are 16 bits apart or more, the same-topic
Politburo and 谢娜 articles included. Each extra bit costs lookup speed (one more, narrower band:
6–10x fewer lookups/s per bit at a million stored articles), so 4 keeps a wide margin below 16 at
about a millisecond a lookup. Known misses: short bodies (a few hundred characters) move further
under the same edit, since the fingerprint has 64 bits whatever the length; and a copy whose lead
was *replaced* rather than extended can land anywhere from 3 to 8 bits away: the one real
syndication in the corpus (界面新闻 and 21财经 both carry Xinhua's full 2022-04-29 Politburo
communiqué under their own ~100-character leads) is 3 bits apart with this hash, 7 with the MD5
shingle hash of the ``simhash`` library used before; treat such pairs as luck, not a guarantee.

The fingerprint is computed with numpy over the whole text at once (``text_simhash``): each
character 3-gram is packed into one 63-bit integer (three 21-bit code points) and mixed with the
SplitMix64 finaliser, a well-tested 64-bit mixer whose output bits are as balanced as a
cryptographic hash's for this purpose. The ``simhash`` library hashes every shingle with MD5 in a
Python loop: 2.3 ms against 0.16 ms for a 2,000-character article (14x), the largest single cost of
the item pipeline in ``benchmarks/perf.py``'s profile. The figures above were measured with this
hash (the library's MD5 hash gave 22 within 4, 94 %/98 % and 14 bits on the same set). Stores
written before this change hold MD5-based fingerprints that will not match new ones: a copy of an
article stored before the upgrade is then not flagged (nothing else changes).
"""

from __future__ import annotations

import re
import unicodedata

from scrapy.exceptions import DropItem, NotConfigured

from pipelines.dedupe import fingerprint
from pipelines.sanitize import visible_text
from pipelines.state import store_for

#: Characters per shingle. Chinese has no spaces to split words on, and a word segmenter would be a
#: heavy, dictionary-dependent dependency; overlapping character 3-grams capture word order just as
#: well for this purpose (4-grams separated the corpus equally but moved copies further).
SHINGLE_CHARS = 3
POLICIES = ("record", "drop", "off")

#: A paragraph that only names the source, e.g. ``（文章来源：科技日报）`` or ``来源：人民日报``
#: (matched after NFKC, which turns ``（：）`` into ``(:)``): it is exactly what differs between
#: outlets carrying the same text, so it must not count.
_SOURCE_LINE = re.compile(r"^[(【\[]?(?:文章|稿件)?(?:来源|来自|转自|转载自):.{0,40}?[)】\]]?$")
_SPACE = re.compile(r"\s+")


def body_text(paragraphs) -> str:
    """The body as a reader sees it, normalised so that only the wording counts.

    Tags and whitespace go (outlets re-wrap and re-mark the same text), NFKC folds full-width and
    half-width forms (``，``/``,``, ``１``/``1``) that differ between content systems, and source-only
    paragraphs are dropped.
    """
    kept = []
    for paragraph in paragraphs or []:
        text = unicodedata.normalize("NFKC", visible_text(paragraph))
        text = _SPACE.sub("", text).casefold()
        if text and not _SOURCE_LINE.match(text):
            kept.append(text)
    return "".join(kept)


def body_simhash(paragraphs) -> int:
    """64-bit SimHash of the visible body text (not the title: outlets retitle what they carry)."""
    return text_simhash(body_text(paragraphs))


def text_simhash(text: str) -> int:
    """64-bit SimHash of the character ``SHINGLE_CHARS``-grams of ``text`` (every gram weighs 1)."""
    if not text:
        return 0
    np = _numpy()
    points = np.frombuffer(text.encode("utf-32-le"), dtype="<u4").astype(np.uint64)
    if len(points) < SHINGLE_CHARS:  # one short shingle: the text itself
        points = np.concatenate([np.zeros(SHINGLE_CHARS - len(points), dtype=np.uint64), points])
    # Code points are below 2**21, so three of them pack into one integer without collisions.
    keys = (points[:-2] << np.uint64(42)) ^ (points[1:-1] << np.uint64(21)) ^ points[2:]
    return _majority_bits(np, _splitmix64(np, keys))


def _numpy():
    """numpy, imported on the first fingerprint: a re-run that finds nothing new never needs it
    and its import is a tenth of such a run's start-up."""
    import numpy

    return numpy


def _splitmix64(np, z):
    """SplitMix64's finaliser on every element (unsigned arithmetic wraps modulo 2**64, as it must)."""
    z = z + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def _majority_bits(np, hashes) -> int:
    """The SimHash itself: bit i is set when more than half of the hashes have bit i set."""
    # Big-endian bytes, so unpacked bit j is the int's bit 63 - j and the packed result reads back
    # with every bit where it was.
    bits = np.unpackbits(hashes.astype(">u8").view(np.uint8)).reshape(-1, 64)
    counts = bits.sum(axis=0, dtype=np.int64)
    return int.from_bytes(np.packbits(counts * 2 > len(hashes)).tobytes(), "big")


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()


class NearDuplicatePipeline:
    """After exact dedupe (300), so an unchanged re-crawl is gone before it costs a lookup; before
    the writer (400), so ``drop`` saves the write.

    It only looks things up: the fingerprint reaches the store through the writer, which commits
    it with the article row after the post is on disk, so a dropped or failed item never becomes
    the "original" a later copy is matched against.
    """

    def __init__(self, crawler):
        settings = crawler.settings
        policy = str(settings.get("NEAR_DUPLICATE_POLICY", "record")).strip().lower()
        if policy not in POLICIES:
            raise ValueError(f"NEAR_DUPLICATE_POLICY must be one of {', '.join(POLICIES)}, not {policy!r}")
        if policy == "off":
            raise NotConfigured("NEAR_DUPLICATE_POLICY is off")
        max_distance = settings.getint("NEAR_DUPLICATE_MAX_DISTANCE", 4)
        if not 0 <= max_distance <= 31:
            # 32 bits is what two unrelated texts differ by on average: a threshold there matches anything.
            raise ValueError(f"NEAR_DUPLICATE_MAX_DISTANCE must be 0..31 bits, not {max_distance}")
        self.crawler = crawler
        self.stats = crawler.stats
        self.policy = policy
        self.max_distance = max_distance
        self.min_chars = settings.getint("NEAR_DUPLICATE_MIN_CHARS", 50)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item, spider=None):
        text = body_text(item.get("body"))
        if not text or len(text) < self.min_chars:
            # A few dozen characters give too few shingles for a stable fingerprint: flags would be noise.
            self.stats.inc_value("near_duplicates/too_short")
            return item
        item["simhash"] = text_simhash(text)
        original = store_for(self.crawler).near(item["simhash"], self.max_distance, exclude=item["info_code"])
        if original is None:
            return item
        if self.policy == "drop":
            self.stats.inc_value("near_duplicates/dropped")
            # Remember the copy as seen (no post, not indexed), so incremental crawling does not
            # fetch it again on every run while it stays listed.
            store_for(self.crawler).record(
                item["info_code"], item.get("fingerprint") or fingerprint(item), post_path=None, url=item.get("url"),
                spider=self.crawler.spider.name if self.crawler.spider else None,
            )
            raise DropItem(
                f"near_duplicate: {item['info_code']} is a syndicated copy of {original} "
                f"(SimHash within {self.max_distance} bits)"
            )
        item["duplicate_of"] = original
        self.stats.inc_value("near_duplicates/recorded")
        return item
