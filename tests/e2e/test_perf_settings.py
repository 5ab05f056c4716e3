"""The settings comparison of ``benchmarks/perf.py`` on a tiny site: every variant crawls the
whole site through the real engine, and the HTTP cache really answers the second run."""

from benchmarks import perf


def test_every_setting_variant_writes_the_whole_site(tmp_path):
    result = perf.settings_section(20, tmp_path, repeat=1, seed=3)
    rows = result["rows"]
    assert list(rows) == [label for label, _ in perf.SETTING_VARIANTS]
    articles = rows["defaults"]["posts_written"]
    assert articles >= 20  # the 20 synthetic articles and the corpus's own kejiribao post(s)
    for label, r in rows.items():
        assert r["posts_written"] == articles, label  # each run starts from an empty site and state
        assert r["finish_reason"] == "finished", label
    # listing + post page + share API per article, straight from the server...
    assert rows["defaults"]["server_requests"] == 1 + 2 * articles
    assert rows["HTTPCACHE_ENABLED=True, cache being filled"]["server_requests"] == 1 + 2 * articles
    # ...and not at all once the cache holds every page
    assert rows["HTTPCACHE_ENABLED=True, every page from the cache"]["server_requests"] == 0
    assert rows["defaults"]["vs_defaults"] == 1.0
