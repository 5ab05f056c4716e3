"""A hostile web (issue 4, part 1): every fault kind of the sandbox against real crawls.

Each scenario is one crawl carrying every kind at once, one article per kind, so the whole matrix
costs a handful of crawls instead of dozens; each kind is still its own test, reading that crawl's
log, stats and files. What every run must show, whatever failed: the crawl finishes (no spider or
pipeline exception), no temp file is left, every post parses, no article is written twice, and an
article whose page failed is not written but logged and counted, so the next run, once the fault is
gone, writes it (no article is lost). docs/bad-input.md is the table of what each kind does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

import pytest

from sandbox import Post, SandboxServer, synthetic_posts
from tests.crawling import CrawlResult, run_crawl
from tests.postfile import read_post

FINEWS = "finews.withounder.com"
SHARE = "finews.zning.xyz"
#: A small timeout and the default retry count: a stalled page costs six seconds, not ninety. Not
#: smaller: on a busy test machine a healthy page must never time out.
FAST = {"DOWNLOAD_TIMEOUT": "2", "RETRY_TIMES": "2"}
FAULT_DELAY = 4.0  # longer than DOWNLOAD_TIMEOUT: a "timeout" fault really times out
#: The second, listing-faulted category of the matrix crawls (three corpus articles).
OTHER = "quanshangzhongguo"
CATEGORIES = f"kejiribao,{OTHER}"


def post_name(post: Post) -> str:
    return f"{post.local_time:%Y-%m-%d}-{post.info_code}.md"


def page_regex(post: Post) -> str:
    """The fault regex for exactly this article's post page (and nothing else)."""
    return re.escape(unquote(post.url_path)) + "$"


def in_log(log: str, pattern: str, post: Post) -> bool:
    """Whether ``pattern`` (with ``{url}`` standing for the post page, mirrored or canonical) is in the log."""
    url = r"\S*" + re.escape(post.url_path)
    return re.search(pattern.format(url=url), log) is not None


def assert_crawl_survived(result: CrawlResult) -> None:
    """Finished normally: no exception escaped a callback, a pipeline, the engine or the command.

    The exit code of a run with failed pages is not checked here: it is the verdict of the run's
    own checks (monitors, health), which may rightly ask cron for attention. A crash is something
    else: no ``finished`` in the stats file, or a traceback after the spider closed.
    """
    assert result.stats.get("finish_reason") == "finished", result.log[-3000:]
    assert not [k for k in result.stats if k.startswith("spider_exceptions/")], result.log[-3000:]
    for bad in ("Spider error processing", "Error processing {", "Unhandled error", "Error caught on signal handler"):
        assert bad not in result.log, result.log[-3000:]
    assert "Traceback" not in result.log.rpartition("Spider closed (finished)")[2], result.log[-3000:]
    assert result.returncode in (0, 1), result.log[-3000:]


def assert_site_sound(workdir: Path, results: list[CrawlResult] = ()) -> dict[str, Path]:
    """No partial file, every post parses, no article twice; returns the posts by file name.

    Checks the whole work directory, so a temp file anywhere (site, state, feeds) is caught.
    """
    leftovers = [p for p in workdir.rglob("*") if p.name.endswith(".tmp") or p.name.endswith(".part")]
    assert not leftovers, leftovers
    posts: dict[str, Path] = {}
    codes: dict[str, Path] = {}
    for folder in ("_posts", "old_post"):
        for path in sorted((workdir / "site" / folder).glob("*")):
            assert path.suffix == ".md" and not path.name.startswith("."), path
            post = read_post(path)  # asserts the front matter is there and parses
            fm = post.front_matter
            assert fm["layout"] == "post" and fm["title"] and fm["categories"], path
            assert post.return_line or post.link_line, path  # the last line is there (digests end on a link)
            code = path.stem[len("YYYY-MM-DD-"):]
            assert code not in codes, f"{code} written twice: {codes[code]} and {path}"
            codes[code] = path
            posts[path.name] = path
    written = [item["info_code"] for r in results for item in r.feed_items]
    assert len(written) == len(set(written)), "an article was exported twice"
    return posts


# --- the sandbox: the real site plus one synthetic kejiribao article per fault kind -----------


@pytest.fixture(scope="module")
def site(corpus_dir):
    with SandboxServer(corpus_dir=corpus_dir, extra_posts=synthetic_posts(16, seed=4, category="kejiribao"),
                       fault_delay=FAULT_DELAY) as server:
        yield server


def articles(server: SandboxServer, category: str) -> list[Post]:
    return [p for p in server.posts if p.category == category]


def synthetic(server: SandboxServer) -> list[Post]:
    return [p for p in articles(server, "kejiribao") if p.folder is None]


# --- faults that last: the article is lost for this run, and written by the next ---------------

#: kind → (the log line that names the article, a stat that counts the failure), both by hand.
PERMANENT = {
    "404": (r"article \w+ not fetched: {url} \(Ignoring non-200 response\)", "articles/failed/HttpError"),
    "500": (r"Gave up retrying <GET {url}> \(failed 3 times\): 500 ", "retry/reason_count/500 Internal Server Error"),
    "502": (r"Gave up retrying <GET {url}> \(failed 3 times\): 502 ", "retry/reason_count/502 Bad Gateway"),
    "503": (r"Gave up retrying <GET {url}> \(failed 3 times\): 503 ", "retry/reason_count/503 Service Unavailable"),
    "timeout": (r"Gave up retrying <GET {url}> \(failed 3 times\): .*took longer than 2\.0 seconds",
                "downloader/exception_type_count/scrapy.exceptions.DownloadTimeoutError"),
    "reset": (r"Gave up retrying <GET {url}> \(failed 3 times\): .*Connection",
              "downloader/exception_type_count/scrapy.exceptions.DownloadFailedError"),
    "truncated": (r"Gave up retrying <GET {url}> \(failed 3 times\)",
                  "downloader/exception_type_count/scrapy.exceptions.ResponseDataLossError"),
    "length_lie": (r"Gave up retrying <GET {url}> \(failed 3 times\)",
                   "downloader/exception_type_count/scrapy.exceptions.ResponseDataLossError"),
    "redirect_loop": (r"article \w+ not fetched: {url} \(max redirections reached\)", "articles/failed/IgnoreRequest"),
    # retried twice in the run (RETRY_TIMES=2), then dropped by validation
    "empty": (r"Dropped: missing_title: .*url='{url}'", "validate/dropped/missing_title"),
    # with DOWNLOAD_MAXSIZE below 10 MB (by default it is downloaded and written: see below)
    "huge": (r"article \w+ not fetched: {url} \(", "articles/failed/DownloadCancelledError"),
}


@dataclass
class Runs:
    first: CrawlResult
    second: CrawlResult
    faulted: dict[str, Post]
    clean: list[Post]
    hits: dict[str, int] = field(default_factory=dict)
    after_first: set[str] = field(default_factory=set)  # post files right after run 1 (same site dir)


@pytest.fixture(scope="module")
def permanent(site, tmp_path_factory):
    """Run 1 with one permanently failing article per kind and the second category's listing
    down; run 2 with every fault gone."""
    work = tmp_path_factory.mktemp("permanent")
    pool = synthetic(site)
    faulted = dict(zip(PERMANENT, pool))
    clean = [p for p in articles(site, "kejiribao") if p not in faulted.values()]
    site.reset_hits()
    for kind, post in faulted.items():
        site.add_fault(FINEWS, page_regex(post), kind)
    site.add_fault(FINEWS, rf"/category/{OTHER}\.html", "503")
    settings = {**FAST, "DOWNLOAD_MAXSIZE": str(2 * 1024 * 1024), "LOG_LEVEL": "DEBUG"}
    try:
        first = run_crawl("finews", sandbox=site, workdir=work, args={"category": CATEGORIES}, settings=settings)
        after_first = set(first.posts())
        hits = {kind: site.hits(FINEWS, post.url_path) for kind, post in faulted.items()}
    finally:
        site.clear_faults()
    second = run_crawl("finews", sandbox=site, workdir=work, args={"category": CATEGORIES}, settings=settings)
    return Runs(first, second, faulted, clean, hits, after_first)


@pytest.mark.parametrize("kind", PERMANENT)
def test_a_permanent_fault_loses_the_article_for_one_run_only(permanent, kind):
    post = permanent.faulted[kind]
    log_line, stat = PERMANENT[kind]
    assert post_name(post) not in permanent.after_first  # nothing written for a failed page
    assert in_log(permanent.first.log, log_line, post), f"no log line for {kind}"  # logged
    assert permanent.first.stats.get(stat, 0) >= 1, f"{stat} not counted"  # counted
    written = permanent.second.posts()[post_name(post)]  # the next run writes it
    assert read_post(written).front_matter["title"] == post.title


def test_retried_faults_are_fetched_three_times_and_a_redirect_loop_twenty_one(permanent):
    for kind in ("500", "502", "503", "timeout", "truncated", "length_lie"):
        assert permanent.hits[kind] == 3, kind  # RETRY_TIMES=2: one try and two retries
    # Twisted's connection pool also resends a GET once when a reused connection dies unanswered
    assert 3 <= permanent.hits["reset"] <= 6
    assert permanent.hits["redirect_loop"] == 21  # REDIRECT_MAX_TIMES=20 redirects, then dropped
    assert permanent.hits["empty"] == 3  # an empty 200 is retried like a 5xx
    for kind in ("404", "huge"):
        assert permanent.hits[kind] == 1, kind  # not retried (huge: refused by its Content-Length)


def test_a_listing_that_stays_down_loses_its_articles_for_one_run_only(permanent, site):
    others = articles(site, OTHER)
    assert len(others) == 3
    assert in_log(permanent.first.log, r"Gave up retrying <GET \S*/category/" + OTHER + r"\.html>", others[0])
    for post in others:
        assert post_name(post) not in permanent.after_first
        assert post_name(post) in permanent.second.posts()


def test_permanent_faults_never_crash_and_the_next_run_completes_the_set(permanent, site):
    first, second = permanent.first, permanent.second
    for result in (first, second):
        assert_crawl_survived(result)
    assert second.returncode == 0, second.log[-3000:]  # nothing failed any more: cron stays quiet
    # run 1: exactly the healthy articles; run 2: exactly the rest, nothing rewritten
    assert permanent.after_first == {post_name(p) for p in permanent.clean}
    lost = [*permanent.faulted.values(), *articles(site, OTHER)]
    assert second.stats["posts/written"] == len(lost)
    assert second.stats.get("incremental/skipped") == len(permanent.clean)
    assert "posts/unchanged" not in second.stats and "dedupe/duplicate" not in second.stats
    posts = assert_site_sound(first.site_dir.parent, [first, second])
    expected = {post_name(p) for p in (*permanent.clean, *lost)}
    assert set(posts) == expected  # 0 lost, 0 extra


# --- flapping faults: retried within the run ---------------------------------------------------

#: Faults that clear after two failures: RETRY_TIMES=2 gets the article in the same run.
FLAPPING = {
    "500": r"Retrying <GET {url}> \(failed 2 times\): 500 ",
    "502": r"Retrying <GET {url}> \(failed 2 times\): 502 ",
    "503": r"Retrying <GET {url}> \(failed 2 times\): 503 ",
    "timeout": r"Retrying <GET {url}> \(failed 2 times\): .*took longer than",
    # failed 1 time: the pool's automatic resend may take the other reset (see above)
    "reset": r"Retrying <GET {url}> \(failed 1 times\)",
    "truncated": r"Retrying <GET {url}> \(failed 2 times\)",
    "length_lie": r"Retrying <GET {url}> \(failed 2 times\)",
    "redirect_loop": r"Redirecting \(302\) to <GET {url}> from <GET {url}>",
    "empty": r"Retrying <GET {url}> \(failed 2 times\): empty_body",
}
#: Faults Scrapy does not retry (a 404 means gone): they fail once, the article is not stored,
#: and the next run writes it.
NOT_RETRIED = {
    "404": r"article \w+ not fetched: {url} \(Ignoring non-200 response\)",
}


@pytest.fixture(scope="module")
def flapping(site, tmp_path_factory):
    work = tmp_path_factory.mktemp("flapping")
    pool = synthetic(site)
    faulted = dict(zip([*FLAPPING, *NOT_RETRIED, "huge"], pool))
    clean = [p for p in articles(site, "kejiribao") if p not in faulted.values()]
    site.reset_hits()
    for kind, post in faulted.items():
        times = 2 if kind in FLAPPING else 1 if kind in NOT_RETRIED else None
        site.add_fault(FINEWS, page_regex(post), kind, times=times)  # huge: every time
    site.add_fault(FINEWS, rf"/category/{OTHER}\.html", "503", times=2)
    site.add_fault(FINEWS, r"/category/kejiribao\.html", "endless_listing")  # a rel=next to page+1
    settings = {**FAST, "LOG_LEVEL": "DEBUG"}
    try:
        first = run_crawl("finews", sandbox=site, workdir=work, args={"category": CATEGORIES}, settings=settings)
        after_first = set(first.posts())
        hits = {kind: site.hits(FINEWS, post.url_path) for kind, post in faulted.items()}
        hits["next_page"] = site.hits(FINEWS, "/category/kejiribao.html?")
        second = run_crawl("finews", sandbox=site, workdir=work, args={"category": CATEGORIES}, settings=settings)
    finally:
        site.clear_faults()
    return Runs(first, second, faulted, clean, hits, after_first)


@pytest.mark.parametrize("kind", FLAPPING)
def test_a_flapping_fault_still_gives_the_article_in_the_same_run(flapping, kind):
    post = flapping.faulted[kind]
    assert in_log(flapping.first.log, FLAPPING[kind], post), f"no retry logged for {kind}"
    if kind == "reset":  # see the pool's resend above
        assert 3 <= flapping.hits[kind] <= 5
    else:
        assert flapping.hits[kind] == 3  # two failures, then the page
    assert post_name(post) in flapping.after_first
    written = flapping.first.posts()[post_name(post)]
    assert read_post(written).front_matter["title"] == post.title


@pytest.mark.parametrize("kind", NOT_RETRIED)
def test_a_fault_that_is_not_retried_is_written_by_the_next_run(flapping, kind):
    post = flapping.faulted[kind]
    assert in_log(flapping.first.log, NOT_RETRIED[kind], post)
    assert post_name(post) not in flapping.after_first
    assert post_name(post) in flapping.second.posts()


def test_a_huge_page_is_read_and_its_padding_never_reaches_the_post(flapping):
    post = flapping.faulted["huge"]
    assert post_name(post) in flapping.after_first
    written = flapping.first.posts()[post_name(post)]
    assert written.stat().st_size < 100_000  # the 10 MB are a comment the parser skips
    assert read_post(written).front_matter["title"] == post.title
    assert flapping.hits["huge"] >= 1  # (more only if a busy machine made it time out)


def test_a_flapping_listing_is_retried_and_an_html_next_link_is_not_followed(flapping, site):
    for post in articles(site, OTHER):
        assert post_name(post) in flapping.after_first
    assert flapping.hits["next_page"] == 0  # the finews site never pages; a rel=next is not a listing


def test_flapping_faults_never_crash_and_nothing_is_written_twice(flapping, site):
    first, second = flapping.first, flapping.second
    for result in (first, second):
        assert_crawl_survived(result)
    assert second.returncode == 0, second.log[-3000:]
    assert second.stats["posts/written"] == len(NOT_RETRIED)
    posts = assert_site_sound(first.site_dir.parent, [first, second])
    assert set(posts) == {post_name(p) for p in (*articles(site, "kejiribao"), *articles(site, OTHER))}


# --- a listing that never ends ------------------------------------------------------------------

JSON_OUTLET = """
outlets:
  - name: 科技日报
    slug: kejiribao
    listings:
      - http://finews.zning.xyz/NewsData/GetNewsList.do?column=kejiribao&page=1&pageSize=10
"""


def test_an_endless_json_listing_stops_at_listing_max_pages_and_writes_each_article_once(site, tmp_path):
    sources = tmp_path / "sources.yaml"
    sources.write_text(JSON_OUTLET, "utf-8")
    site.add_fault(SHARE, r"/NewsData/GetNewsList\.do", "endless_listing")
    site.reset_hits()
    work = tmp_path / "work"
    try:
        # LISTING_STOP_AFTER_KNOWN=0: only the page bound can stop it (the early stop is below)
        first = run_crawl("kejiribao", sandbox=site, workdir=work, settings={
            "SOURCES_FILE": str(sources), "LISTING_MAX_PAGES": "4", "LISTING_STOP_AFTER_KNOWN": "0"})
        list_hits = site.hits(SHARE, "/NewsData/GetNewsList.do")
        site.reset_hits()
        second = run_crawl("kejiribao", sandbox=site, workdir=work, settings={"SOURCES_FILE": str(sources)})
        second_hits = site.hits(SHARE, "/NewsData/GetNewsList.do")
    finally:
        site.clear_faults()
    for result in (first, second):
        assert_crawl_survived(result)
        assert result.returncode == 0, result.log[-3000:]
    assert list_hits == 4 and first.stats["listing/pages"] == 4
    assert first.stats["listing/max_pages_reached"] == 1
    assert "LISTING_MAX_PAGES=4 reached" in first.log
    assert first.stats["posts/written"] == 10  # page 1's ten articles, each once
    # the same links again on pages 2-4: skipped as stored, or as already requested
    assert first.stats.get("incremental/skipped", 0) + first.stats.get("dupefilter/filtered", 0) == 3 * 10
    # the re-run (defaults): page 1 is all known, so the lying "next page" is never asked for
    assert second_hits == 1 and second.stats["listing/stopped_early"] == 1
    assert "posts/written" not in second.stats
    assert len(assert_site_sound(work, [first, second])) == 10
