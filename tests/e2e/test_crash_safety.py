"""A crawl killed with SIGKILL at random moments loses nothing and leaves nothing half-done; two
runs of one spider never overlap (design §8).

The kill test crawls about 300 articles (some pages slow) and SIGKILLs the real ``scrapy crawl``
process again and again while it writes, checking after every kill that each post on disk is a
whole, correct post and that the state store claims no post that is missing; an uninterrupted
run then completes the set with exactly one file per article. The pid to kill is read from the
crawl's lock file, which is the lock's documented content.
"""

import os
import random
import re
import signal
import socket
import sqlite3
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import pytest

from sandbox import SandboxServer, synthetic_posts
from tests.crawling import run_crawl
from tests.postfile import read_post

FINEWS = "finews.withounder.com"
SPIDER = "kejiribao"
KILLS = 10
#: The documented temp-file name: ``.<post>.<pid>@<host>.<random>.tmp``, host = crc32 of the host name.
TEMP_NAME = re.compile(r"\.\d{4}-\d\d-\d\d-\w+\.md\.(?P<pid>\d+)@(?P<host>[0-9a-f]{8})\.\w+\.tmp")
HOST = f"{zlib.crc32(socket.gethostname().encode()):08x}"


def article_check(posts):
    """Compare a written post file with the article the sandbox serves (the corpus format)."""
    by_code = {p.info_code: p for p in posts}
    expected_cache = {}

    def check(path: Path, scratch: Path):
        code = path.stem.split("-", 3)[3]
        post = by_code[code]
        if code not in expected_cache:
            source = scratch / f"{code}.md"
            source.write_text("---\ntitle: x\n---\n" + post.body, "utf-8")
            expected_cache[code] = read_post(source)
        want, got = expected_cache[code], read_post(path)
        assert path.name == f"{post.local_time:%Y-%m-%d}-{code}.md"
        assert got.front_matter == {
            "layout": "post",
            "title": post.title,
            "date": post.date_raw,
            "categories": post.category,
            "tags": " ".join(post.tags),
        }, path.name
        assert got.paragraphs == want.paragraphs, path.name
        assert (got.source_line, got.share_line, got.return_line) == (want.source_line, want.share_line, want.return_line)

    return check


def post_files(site: Path) -> list[Path]:
    return sorted(p for folder in ("_posts", "old_post") for p in (site / folder).glob("*.md"))


def temp_files(site: Path) -> list[Path]:
    return sorted(p for folder in ("_posts", "old_post") for p in (site / folder).glob("*.tmp"))


def stored_rows(state: Path) -> list[tuple[str, str | None]]:
    db = sqlite3.connect(state / "articles.sqlite3")
    try:
        return db.execute("SELECT info_code, post_path FROM articles").fetchall()
    finally:
        db.close()


def lock_pid(state: Path) -> int | None:
    try:
        text = (state / "locks" / f"{SPIDER}.lock").read_text().strip()
    except FileNotFoundError:
        return None
    return int(text) if text.isdigit() else None


def read_log(work: Path) -> str:
    try:
        return (work / "crawl.log").read_text("utf-8", "replace")
    except FileNotFoundError:
        return ""


def wait_for_new_holder(state: Path, old: set, future, timeout=60) -> int | None:
    """The pid of the crawl that now holds the lock (it writes its pid once it holds it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not future.done():
        pid = lock_pid(state)
        if pid and pid not in old:
            return pid
        time.sleep(0.02)
    return None


@pytest.fixture
def slow_site(corpus_dir):
    posts = synthetic_posts(300, seed=404, category=SPIDER)
    with SandboxServer(corpus_dir=corpus_dir, extra_posts=posts, fault_delay=0.4) as server:
        # one article page in five stalls (well under DOWNLOAD_TIMEOUT): writes keep trickling in
        server.add_fault(FINEWS, rf"/{SPIDER}/\d{{4}}/\d\d/\d\d/NW\d*[27]\d{{3}}\.html", "timeout")
        yield server


def test_sigkill_at_random_moments_loses_nothing(slow_site, tmp_path):
    articles = [p for p in slow_site.posts if p.category == SPIDER]
    assert len(articles) > 300
    check = article_check(articles)
    scratch = tmp_path / "expected"
    scratch.mkdir()
    site, state = tmp_path / "site", tmp_path / "state"
    dirs = {"SITE_DIR": str(site), "STATE_DIR": str(state)}
    rng = random.Random(20240611)
    killed, mid_write, left_temp, checked = [], 0, 0, {}
    started = time.monotonic()

    def start(n):
        work = tmp_path / f"run-{n}"
        # the log goes to a file: a pipe cut by SIGKILL can end inside a UTF-8 character
        settings = {
            **dirs, "LOG_FILE": str(work / "crawl.log"), "CONCURRENT_REQUESTS": "4",
            # the next run starts up while this one works and takes the lock the moment the kill
            # frees it: that hides start-up time, and proves SIGKILL leaves no stale lock
            "LOCK_WAIT_SECONDS": "120",
        }
        return work, pool.submit(run_crawl, SPIDER, sandbox=slow_site, workdir=work, settings=settings)

    with ThreadPoolExecutor(max_workers=2) as pool:
        work, future = start(0)
        for n in range(KILLS):
            pid = wait_for_new_holder(state, set(killed), future)
            if pid is None:  # this run completed the set before its kill (a fast machine)
                assert future.result().returncode == 0, read_log(work)[-3000:]
                break
            holding_since = time.time()
            following = start(n + 1) if n + 1 < KILLS else None
            if n % 3 == 2:
                # some kills land at any moment after the lock is taken: set-up, opening the store,
                # the listing, the first article pages…
                time.sleep(rng.uniform(0.0, 2.0))
            else:
                # …most while this run writes posts and commits them
                while not any(p.stat().st_mtime >= holding_since for p in post_files(site)) and not future.done():
                    time.sleep(0.01)
                time.sleep(rng.uniform(0.0, 0.8))
            killed_at = time.time()
            os.kill(pid, signal.SIGKILL)
            result = future.result()
            assert result.returncode == -signal.SIGKILL, read_log(work)[-3000:]
            killed.append(pid)
            # posts this run wrote: only it held the lock between these two moments
            mid_write += any(holding_since <= p.stat().st_mtime <= killed_at for p in post_files(site))
            left_temp += bool(temp_files(site))

            # every post on disk is whole and is its article (the next run may be writing already:
            # a reader during writes must see only whole posts too)
            for path in post_files(site):
                stamp = (path.stat().st_ino, path.stat().st_mtime_ns)
                if checked.get(path) != stamp:
                    check(path, scratch)
                    checked[path] = stamp
            # a temp file never looks like a post (Jekyll skips dot-files, *.md globs miss it), and
            # names its writer: a killed run, or the next run writing right now, on this machine
            for temp in temp_files(site):
                m = TEMP_NAME.fullmatch(temp.name)
                assert m and m["host"] == HOST, temp.name
                assert int(m["pid"]) in killed or int(m["pid"]) == lock_pid(state), temp.name
            # the store claims no post that is not on disk
            for code, post_path in stored_rows(state):
                assert post_path and (site / post_path).is_file(), (code, post_path)
            if following:
                work, future = following

    assert len(killed) >= 8, f"only {len(killed)} kills"
    assert mid_write >= len(killed) // 2, f"only {mid_write} of {len(killed)} runs wrote posts before their kill"

    # what a writer killed between write and rename leaves behind (its pid, this machine), next
    # to the temp file of a live writer and one from another machine sharing the site
    dead_writer = post_files(site)[0]
    stale = dead_writer.parent / f".{dead_writer.name}.{killed[-1]}@{HOST}.k1ll3d00.tmp"
    stale.write_bytes(dead_writer.read_bytes()[:100])
    live = dead_writer.parent / f".{dead_writer.name}.{os.getpid()}@{HOST}.l1ve0000.tmp"
    live.write_bytes(b"in flight")
    elsewhere = dead_writer.parent / f".{dead_writer.name}.{killed[-1]}@00000000.0th3r000.tmp"
    elsewhere.write_bytes(b"in flight on another machine")

    final = run_crawl(SPIDER, sandbox=slow_site, workdir=tmp_path / "final", settings=dirs)
    assert final.returncode == 0, final.log[-3000:]
    assert final.stats["posts/stale_temp_removed"] >= 1
    assert not stale.exists() and live.exists() and elsewhere.exists()
    live.unlink()
    elsewhere.unlink()
    assert temp_files(site) == []

    files = post_files(site)
    codes = [p.stem.split("-", 3)[3] for p in files]
    assert len(codes) == len(set(codes)), "an article has two files"
    assert set(codes) == {p.info_code for p in articles}
    for path in files:
        if checked.get(path) != (path.stat().st_ino, path.stat().st_mtime_ns):
            check(path, scratch)
    rows = dict(stored_rows(state))
    assert set(rows) == set(codes)
    umask = os.umask(0o022)
    os.umask(umask)
    assert {p.stat().st_mode & 0o777 for p in files} == {0o666 & ~umask}  # readable like any file, not 0600
    assert all((site / rows[c]).is_file() for c in codes)
    # the last run fetched exactly the articles not yet stored; a post whose run died between its
    # rename and its commit is found identical on disk and only committed (posts/unchanged)
    done = final.stats.get("incremental/skipped", 0)
    assert done + final.stats.get("posts/written", 0) + final.stats.get("posts/unchanged", 0) == len(articles)
    print(
        f"\n{len(killed)} SIGKILLs ({mid_write} while writing, {left_temp} left a temp file); "
        f"{done} articles stored before the last run, {final.stats.get('posts/unchanged', 0)} found on disk "
        f"but uncommitted; {len(articles)} complete after {time.monotonic() - started:.1f}s"
    )


@pytest.fixture
def stalled_site(corpus_dir):
    posts = synthetic_posts(60, seed=405, category=SPIDER)
    with SandboxServer(corpus_dir=corpus_dir, extra_posts=posts, fault_delay=4) as server:
        # the first run's listing stalls 4 s: it holds its lock long enough for the others to meet it
        server.add_fault(FINEWS, rf"/category/{SPIDER}\.html", "timeout", times=1)
        yield server


def test_two_runs_of_one_spider_never_overlap(stalled_site, tmp_path):
    late = synthetic_posts(20, seed=406, category=SPIDER)
    site, state = tmp_path / "site", tmp_path / "state"
    dirs = {"SITE_DIR": str(site), "STATE_DIR": str(state)}
    ended = {}

    def crawl(name, **settings):
        result = run_crawl(SPIDER, sandbox=stalled_site, workdir=tmp_path / name, settings={**dirs, **settings})
        ended[name] = time.monotonic()
        return result

    with ThreadPoolExecutor(max_workers=4) as pool:
        first = pool.submit(crawl, "first")
        holder = wait_for_new_holder(state, set(), first)
        assert holder is not None, first.result().log[-3000:]
        refused = pool.submit(crawl, "refused")
        gave_up = pool.submit(crawl, "gave_up", LOCK_WAIT_SECONDS="1")
        waiting = pool.submit(crawl, "waiting", LOCK_WAIT_SECONDS="120")
        # once the first run has its listing, 20 more articles are published: work for the waiting run
        while not stalled_site.hits(host=FINEWS, prefix=f"/{SPIDER}/") and not first.done():
            time.sleep(0.05)
        initial = [p for p in stalled_site.posts if p.category == SPIDER]
        for post in late:
            stalled_site.add_post(post)
        first, refused, gave_up, waiting = (f.result() for f in (first, refused, gave_up, waiting))

    lock = state / "locks" / f"{SPIDER}.lock"
    # the default: exit at once, one line, exit code 3, nothing done
    assert refused.returncode == 3, refused.log[-3000:]
    assert [line for line in refused.log.splitlines() if line.startswith("error:")] == [
        f"error: another {SPIDER} crawl is running (lock {lock} held by pid {holder}); "
        "try again later or set LOCK_WAIT_SECONDS"
    ]
    assert "Traceback" not in refused.log and "Spider opened" not in refused.log
    assert ended["refused"] < ended["first"]
    assert refused.stats == {} and refused.feed_items == []
    # a bounded wait that runs out says so
    assert gave_up.returncode == 3
    assert f"held by pid {holder}) after waiting 1s; try again later" in gave_up.log
    # a run allowed to wait starts when the first has finished, and does only what is left
    assert first.returncode == 0 and waiting.returncode == 0, (first.log[-2000:], waiting.log[-2000:])
    assert "waiting up to 120s (LOCK_WAIT_SECONDS)" in waiting.log
    assert datetime.fromisoformat(waiting.stats["start_time"]) >= datetime.fromisoformat(first.stats["finish_time"])
    assert sorted(i["info_code"] for i in first.feed_items) == sorted(p.info_code for p in initial)
    assert sorted(i["info_code"] for i in waiting.feed_items) == sorted(p.info_code for p in late)
    assert waiting.stats["incremental/skipped"] == len(initial)

    # nothing corrupted: one whole post per article, every stored row backed by its file
    articles = initial + late
    check = article_check(articles)
    scratch = tmp_path / "expected"
    scratch.mkdir()
    files = post_files(site)
    assert sorted(p.stem.split("-", 3)[3] for p in files) == sorted(p.info_code for p in articles)
    for path in files:
        check(path, scratch)
    rows = stored_rows(state)
    assert sorted(code for code, _ in rows) == sorted(p.info_code for p in articles)
    assert all((site / post_path).is_file() for _, post_path in rows)
    assert temp_files(site) == []
