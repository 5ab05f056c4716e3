"""Near-duplicate fingerprints on the real articles of ``old_post``, the band index of the state
store, its migration from the old schema, and the pipeline's policies."""

import itertools
import re
import sqlite3

import pytest
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.utils.test import get_crawler

from crawler import settings as project_settings
from crawler.items import ArticleItem
from pipelines.near_duplicates import NearDuplicatePipeline, body_simhash, body_text, hamming, text_simhash
from pipelines.state import ArticleStore, store_for
from tests.conftest import CORPUS_DIR
from sandbox.corpus import load_posts

#: The project's default, written here by hand: a change of the default must be a decision.
THRESHOLD = 4

#: 界面新闻 and 21财经 both carry the full Xinhua communiqué of the 2022-04-29 Politburo meeting,
#: each under its own one-paragraph lead: a real syndication in the corpus, not a pair of
#: different articles (see ``pipelines/near_duplicates.py`` for how far apart they hash).
SYNDICATED_PAIR = {"NW202204292365898563", "NW202204292366012027"}
POLITBURO = ["NW202204292365898563", "NW202204292365954260", "NW202204292365994760", "NW202204292366012027"]
XIE_NA = ["NW202202082270038943", "NW202202092270371776"]

_PARAGRAPH = re.compile(r"<p(?:\s[^>]*)?>(.*?)</p>", re.S)


def paragraphs(post) -> list[str]:
    """Inner HTML of the post's paragraphs, the source line included (the fingerprint must skip it)."""
    return [m.group(1) for m in _PARAGRAPH.finditer(post.body)]


@pytest.fixture(scope="module")
def articles():
    """info code -> paragraphs of every real ``old_post`` article with a body (digest posts have none)."""
    found = {p.info_code: paragraphs(p) for p in load_posts(CORPUS_DIR) if p.folder == "old_post"}
    return {code: paras for code, paras in found.items() if paras}


def syndicate(paras: list[str], lead: str, source: str = "人民日报") -> list[str]:
    """What another outlet publishes: its own first line, the same paragraphs, its own source line."""
    assert "em_media" not in paras[-1] and "文章来源" in paras[-1]
    return [lead, *paras[:-1], f"（文章来源：{source}）"]


def test_default_threshold_is_the_measured_one():
    assert project_settings.NEAR_DUPLICATE_MAX_DISTANCE == THRESHOLD
    assert project_settings.ITEM_PIPELINES["pipelines.near_duplicates.NearDuplicatePipeline"] == 350


def test_corpus_has_the_articles_this_file_relies_on(articles):
    assert len(articles) == 27
    assert set(POLITBURO + XIE_NA) <= set(articles)


def test_body_text_ignores_tags_whitespace_width_and_source_line():
    paragraphs = ["<strong>上证 指数</strong>\n涨１％，", "<p>ＡＢＣ</p>", "（文章来源：科技日报）"]
    assert body_text(paragraphs) == "上证指数涨1%,abc"
    assert body_text(["来源：人民日报", "【稿件来源：新华社】", "（转自：证券时报）"]) == ""
    assert body_text(["来源于市场的资金，今日净流入。"]) == "来源于市场的资金,今日净流入。"


@pytest.mark.parametrize(
    "code, lead",
    [
        ("NW202201112243997097", "本报讯（记者 王小明）"),
        ("NW202204292365954260", "编者按：本文转载自其他媒体，仅供参考，不代表本报观点。"),
        ("NW202202082270038943", "（人民日报记者 李明）"),
        ("NW202205022367560959", "新华社北京1月12日电"),
        ("NW202203292326573042", "据央视新闻报道，"),
        ("NW202202092270371776", "据央视新闻报道，"),
    ],
)
def test_a_syndicated_copy_is_within_the_threshold(articles, code, lead):
    original = articles[code]
    copy = syndicate(original, lead)
    assert body_text(copy) != body_text(original)
    assert hamming(body_simhash(original), body_simhash(copy)) <= THRESHOLD


def test_different_real_articles_are_beyond_the_threshold(articles):
    hashes = {code: body_simhash(paras) for code, paras in articles.items()}
    too_close = [
        (a, b, hamming(hashes[a], hashes[b]))
        for a, b in itertools.combinations(sorted(hashes), 2)
        if {a, b} != SYNDICATED_PAIR and hamming(hashes[a], hashes[b]) <= THRESHOLD
    ]
    assert too_close == []
    # the same-topic pairs, named so a regression says which
    for a, b in [*itertools.combinations(POLITBURO, 2), tuple(XIE_NA)]:
        if {a, b} != SYNDICATED_PAIR:
            assert hamming(hashes[a], hashes[b]) > THRESHOLD, (a, b)


def record(store, code, simhash):
    store.record(code, "0" * 40, post_path=f"_posts/{code}.md", url=None, spider="test", simhash=simhash)


def test_band_lookup_finds_the_copy_and_nothing_unrelated(articles, tmp_path):
    store = ArticleStore(tmp_path)
    try:
        hashes = {code: body_simhash(paras) for code, paras in articles.items()}
        for code, simhash in hashes.items():
            record(store, code, simhash)
        copy = body_simhash(syndicate(articles["NW202201112243997097"], "本报讯（记者 王小明）"))
        assert store.near(copy, THRESHOLD, exclude="NW202201122243999999") == "NW202201112243997097"
        for code, simhash in hashes.items():
            partner = (SYNDICATED_PAIR - {code}).pop() if code in SYNDICATED_PAIR else None
            assert store.near(simhash, THRESHOLD, exclude=code) in (None, partner), code
            # itself when not excluded (or, for the syndicated pair, whichever of the two was stored first)
            assert store.near(simhash, THRESHOLD) in ({code, partner} if partner else {code}), code
    finally:
        store.close()


def test_pigeonhole_finds_every_hash_within_the_distance(tmp_path):
    store = ArticleStore(tmp_path)
    try:
        record(store, "NW1000001", 0)
        # 4 bits in 4 different bands (5 bands of 13,13,13,13,12 bits): the 5th band still matches
        assert store.near((1 << 0) | (1 << 13) | (1 << 26) | (1 << 39), 4) == "NW1000001"
        # 4 bits in one band
        assert store.near(0b1111, 4) == "NW1000001"
        # 5 bits, one per band: too far, and no band matches either
        assert store.near((1 << 0) | (1 << 13) | (1 << 26) | (1 << 39) | (1 << 52), 4) is None
        # the top bit (stored as a negative SQLite integer) round-trips
        record(store, "NW1000002", (1 << 64) - 1)
        assert store.simhash("NW1000002") == (1 << 64) - 1
        assert store.near((1 << 64) - 1 - (1 << 63), 4) == "NW1000002"
    finally:
        store.close()


def test_a_wider_distance_reindexes_the_bands(tmp_path):
    store = ArticleStore(tmp_path)
    try:
        record(store, "NW1000001", 0)
        six_bits = sum(1 << bit for bit in (0, 10, 20, 30, 40, 50))  # one in each of 6 of 7 bands
        assert store.near(six_bits, 6) == "NW1000001"
        with sqlite3.connect(tmp_path / ArticleStore.FILENAME) as db:
            assert db.execute("SELECT count(*) FROM simhash_bands").fetchone()[0] == 7
        assert store.near(six_bits, 4) is None
        with sqlite3.connect(tmp_path / ArticleStore.FILENAME) as db:
            assert db.execute("SELECT count(*) FROM simhash_bands").fetchone()[0] == 5
    finally:
        store.close()


def test_the_earliest_written_article_is_the_original(tmp_path):
    store = ArticleStore(tmp_path)
    try:
        record(store, "NW1000001", 0b111)
        record(store, "NW1000002", 0)
        assert store.near(0, 4, exclude="NW1000003") == "NW1000001"
    finally:
        store.close()


def test_rewriting_an_article_replaces_its_bands(tmp_path):
    store = ArticleStore(tmp_path)
    try:
        record(store, "NW1000001", 0)
        record(store, "NW1000001", (1 << 64) - 1)
        assert store.near(0, 4) is None
        assert store.near((1 << 64) - 1, 4) == "NW1000001"
        record(store, "NW1000001", None)
        assert store.near((1 << 64) - 1, 4) is None
        assert store.simhash("NW1000001") is None
    finally:
        store.close()


#: The store's schema before near-duplicate detection, as it is in stores on disk.
OLD_SCHEMA = """
CREATE TABLE articles (
    info_code   TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    post_path   TEXT,
    url         TEXT,
    spider      TEXT,
    written_at  REAL NOT NULL
) WITHOUT ROWID;
"""


def test_an_old_store_is_migrated_in_place(tmp_path):
    with sqlite3.connect(tmp_path / ArticleStore.FILENAME) as db:
        db.executescript(OLD_SCHEMA)
        db.execute(
            "INSERT INTO articles VALUES ('NW202201112243997097', ?, '_posts/a.md', 'https://x/a', 'kejiribao', 1.0)",
            ("a" * 40,),
        )
    db.close()

    store = ArticleStore(tmp_path)
    try:
        old = store.get("NW202201112243997097")
        assert (old.fingerprint, old.post_path, old.url) == ("a" * 40, "_posts/a.md", "https://x/a")
        assert store.simhash("NW202201112243997097") is None
        assert store.near(0, 4) is None  # the old row is simply not indexed
        record(store, "NW202201122243999999", 0)
    finally:
        store.close()

    store = ArticleStore(tmp_path)  # opening a migrated store again changes nothing
    try:
        assert store.get("NW202201112243997097").fingerprint == "a" * 40
        assert store.near(1, 4, exclude="NW1") == "NW202201122243999999"
        assert len(store) == 2
    finally:
        store.close()
    with sqlite3.connect(tmp_path / ArticleStore.FILENAME) as db:
        columns = [row[1] for row in db.execute("PRAGMA table_info(articles)")]
    db.close()
    assert columns == ["info_code", "fingerprint", "post_path", "url", "spider", "written_at", "simhash"]


# --- the pipeline ------------------------------------------------------------------------------


@pytest.fixture
def make_pipeline(tmp_path):
    crawlers = []

    def make(**settings):
        crawler = get_crawler(settings_dict={"STATE_DIR": str(tmp_path), **settings})
        crawlers.append(crawler)
        return crawler, NearDuplicatePipeline.from_crawler(crawler)

    yield make
    for crawler in crawlers:
        if getattr(crawler, "_finews_article_store", None) is not None:
            store_for(crawler).close()


def item(code, paras, title="标题"):
    return ArticleItem(info_code=code, title=title, body=paras)


def written(crawler, it):
    """What the post writer does after the pipeline: commit the article with its fingerprint."""
    record(store_for(crawler), it["info_code"], it.get("simhash"))


def test_record_policy_marks_the_copy(articles, make_pipeline):
    crawler, pipeline = make_pipeline()
    original = pipeline.process_item(item("NW202201112243997097", articles["NW202201112243997097"]))
    assert "duplicate_of" not in original
    written(crawler, original)

    copy = syndicate(articles["NW202201112243997097"], "本报讯（记者 王小明）")
    result = pipeline.process_item(item("NW202201122243999999", copy, title="另一个标题"))
    assert result["duplicate_of"] == "NW202201112243997097"
    assert crawler.stats.get_value("near_duplicates/recorded") == 1


def test_drop_policy_names_both_codes(articles, make_pipeline):
    crawler, pipeline = make_pipeline(NEAR_DUPLICATE_POLICY="drop")
    written(crawler, pipeline.process_item(item("NW202201112243997097", articles["NW202201112243997097"])))

    with pytest.raises(DropItem, match="NW202201122243999999 is a syndicated copy of NW202201112243997097"):
        pipeline.process_item(item("NW202201122243999999", syndicate(articles["NW202201112243997097"], "本报讯")))
    assert crawler.stats.get_value("near_duplicates/dropped") == 1


def test_an_article_is_not_a_copy_of_itself(articles, make_pipeline):
    crawler, pipeline = make_pipeline(NEAR_DUPLICATE_POLICY="drop")
    written(crawler, pipeline.process_item(item("NW202201112243997097", articles["NW202201112243997097"])))
    again = pipeline.process_item(item("NW202201112243997097", articles["NW202201112243997097"][1:]))
    assert "duplicate_of" not in again
    assert crawler.stats.get_value("near_duplicates/dropped") is None


def test_short_bodies_are_not_checked(make_pipeline):
    crawler, pipeline = make_pipeline()
    short = ["央行今日开展100亿元逆回购操作。"]
    for code in ("NW1000001", "NW1000002"):
        result = pipeline.process_item(item(code, short))
        assert "simhash" not in result and "duplicate_of" not in result
        written(crawler, result)
    assert crawler.stats.get_value("near_duplicates/too_short") == 2


def test_off_disables_and_a_typo_fails_loudly(make_pipeline):
    with pytest.raises(NotConfigured):
        make_pipeline(NEAR_DUPLICATE_POLICY="off")
    with pytest.raises(ValueError, match="NEAR_DUPLICATE_POLICY"):
        make_pipeline(NEAR_DUPLICATE_POLICY="dorp")
    with pytest.raises(ValueError, match="NEAR_DUPLICATE_MAX_DISTANCE"):
        make_pipeline(NEAR_DUPLICATE_MAX_DISTANCE="40")


# --- the fingerprint function itself, against a plain-Python reading of its definition -----------

def _splitmix64_by_hand(x: int) -> int:
    """SplitMix64's finaliser, written out from its published definition."""
    mask = (1 << 64) - 1
    z = (x + 0x9E3779B97F4A7C15) & mask
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
    return z ^ (z >> 31)


def _simhash_by_hand(text: str) -> int:
    grams = [text[i : i + 3] for i in range(len(text) - 2)]
    hashes = [_splitmix64_by_hand((ord(g[0]) << 42) | (ord(g[1]) << 21) | ord(g[2])) for g in grams]
    value = 0
    for bit in range(64):  # bit 63 is the most significant, as in an int
        if 2 * sum((h >> bit) & 1 for h in hashes) > len(hashes):
            value |= 1 << bit
    return value


def test_splitmix64_matches_the_published_first_output():
    # SplitMix64 seeded with 0 first returns 0xE220A8397B1DCDAF (the reference generator's output).
    assert _splitmix64_by_hand(0) == 0xE220A8397B1DCDAF
    assert text_simhash("\0\0\0") == 0xE220A8397B1DCDAF  # one gram of three NULs packs to key 0


def test_simhash_of_real_bodies_matches_the_plain_definition(articles):
    for code, paras in list(articles.items())[:8]:
        text = body_text(paras)
        assert text_simhash(text) == _simhash_by_hand(text), code


def test_simhash_of_tiny_texts():
    assert text_simhash("") == 0
    one = text_simhash("股")  # shorter than a gram: the text, padded at the front, is the one gram
    assert one == _splitmix64_by_hand(ord("股")) and text_simhash("股") != text_simhash("市")


def test_state_mmap_setting_reaches_the_store(tmp_path):
    for mb, expected in ((0, 0), (64, 64 << 20)):
        crawler = get_crawler(settings_dict={"STATE_DIR": str(tmp_path / str(mb)), "STATE_MMAP_MB": mb})
        store = store_for(crawler)
        try:
            assert store._db.execute("PRAGMA mmap_size").fetchone()[0] == expected
        finally:
            store.close()
