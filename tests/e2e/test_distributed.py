"""Distributed mode: three real worker processes share one real Redis and crawl a 3k-article site.

Each worker is a plain ``scrapy crawl kejiribao -s DISTRIBUTED_REDIS_URL=…`` subprocess, exactly as
an operator starts one per machine; they share SITE_DIR (a shared filesystem) and have their own
STATE_DIR (lock, run history). Exactly-once is checked three ways that do not depend on each
other: post files on disk, rows in the shared store, and ``posts/written`` summed over the
workers' stats (a second write of an article would make the sum exceed the article count).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipelines.state_redis import RedisArticleStore
from sandbox import SandboxServer, synthetic_posts
from tests.crawling import ROOT
from tests.services import redis_service, redis_url  # noqa: F401  (fixtures)

SPIDER = "kejiribao"
WORKERS = 3


@pytest.fixture(scope="module")
def big_site(corpus_dir):
    server = SandboxServer(corpus_dir=corpus_dir, extra_posts=synthetic_posts(3000, seed=7, category=SPIDER)).start()
    yield server
    server.stop()


def expected_codes(server) -> set[str]:
    return {p.info_code for p in server.posts if p.category == SPIDER}


def start_worker(n: int, workdir: Path, server, url: str, **extra) -> subprocess.Popen:
    settings = {
        "MIRRORS": json.dumps(server.mirrors()),
        "SITE_DIR": str(workdir / "site"),
        "STATE_DIR": str(workdir / f"state-{n}"),
        "STATS_FILE": str(workdir / f"stats-{n}.json"),
        "FEEDS": json.dumps({str(workdir / f"feed-{n}.jsonl"): {"format": "jsonlines", "encoding": "utf8"}}),
        "LOG_FILE": str(workdir / f"worker-{n}.log"),
        "DISTRIBUTED_REDIS_URL": url,
        # Short timings for the test; production defaults are 30 s each.
        "DISTRIBUTED_WORKER_TIMEOUT": "5",
        "DISTRIBUTED_IDLE_BEFORE_CLOSE": "2",
        **extra,
    }
    cmd = [sys.executable, "-m", "scrapy", "crawl", SPIDER]
    for key, value in settings.items():
        cmd += ["-s", f"{key}={value}"]
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_all(procs, workdir: Path, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    for n, proc in enumerate(procs):
        try:
            proc.wait(timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            for p in procs:
                p.kill()
            log = (workdir / f"worker-{n}.log").read_text("utf-8", "replace")[-3000:]
            pytest.fail(f"worker {n} did not stop (queue never drained?):\n{log}")


def stats_of(workdir: Path, n: int) -> dict:
    path = workdir / f"stats-{n}.json"
    return json.loads(path.read_text("utf-8")) if path.exists() else {}


def post_codes(workdir: Path) -> list[str]:
    return [p.stem.split("-", 3)[3] for p in (workdir / "site" / "_posts").glob("*.md")]


def check_shared_state_cleaned(client) -> None:
    """A finished round leaves nothing behind but the article store: no queue, no in-flight
    requests, no dupefilter (the bound on its growth), no claims, no live workers."""
    leftovers = sorted(k.decode() for k in client.scan_iter(match=f"finews:{SPIDER}:*"))
    assert leftovers == []
    assert list(client.scan_iter(match="finews:claim:*")) == []
    assert list(client.scan_iter(match="finews:worker:*")) == []


def test_three_workers_write_every_article_exactly_once(big_site, redis_url, tmp_path):
    expected = expected_codes(big_site)
    assert len(expected) > 3000
    started = time.monotonic()
    procs = [start_worker(n, tmp_path, big_site, redis_url) for n in range(WORKERS)]
    wait_all(procs, tmp_path)
    elapsed = time.monotonic() - started

    assert [p.returncode for p in procs] == [0] * WORKERS
    stats = [stats_of(tmp_path, n) for n in range(WORKERS)]
    assert all(s["finish_reason"] == "finished" for s in stats)
    written = [s.get("posts/written", 0) for s in stats]
    assert sum(written) == len(expected), written
    # The work was shared, not done by one worker while the others idled.
    assert all(w > len(expected) / 10 for w in written), written
    assert len({s["distributed/round"] for s in stats}) == 1

    codes = post_codes(tmp_path)
    assert len(codes) == len(set(codes)) == len(expected)
    assert set(codes) == expected
    feed_codes = [json.loads(line)["info_code"] for n in range(WORKERS)
                  for line in (tmp_path / f"feed-{n}.jsonl").read_text("utf-8").splitlines() if line.strip()]
    assert sorted(feed_codes) == sorted(expected)

    store = RedisArticleStore(redis_url)
    try:
        assert len(store) == len(expected)
        assert all(store.get(code).post_path.startswith("_posts/") for code in list(expected)[:200])
    finally:
        store.close()
    check_shared_state_cleaned(store_client(redis_url))
    print(f"\n3 workers, {len(expected)} articles: {elapsed:.0f} s, written per worker {written}")


def store_client(url):
    import redis

    return redis.Redis.from_url(url)


def test_killed_worker_loses_nothing(big_site, redis_url, tmp_path):
    """SIGKILL one worker mid-crawl: the survivors notice its liveness key expire, put its
    in-flight requests back in the queue and finish; nothing is lost and nothing written twice."""
    expected = expected_codes(big_site)
    client = store_client(redis_url)
    # Post pages only (no share API round trip): half the requests, the same queue mechanics;
    # share requests through the queue are covered by the test above.
    procs = [start_worker(n, tmp_path, big_site, redis_url, FOLLOW_SHARE_LINKS="False") for n in range(WORKERS)]
    posts = tmp_path / "site" / "_posts"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if posts.is_dir() and len(list(posts.glob("*.md"))) >= len(expected) // 5:
            break
        time.sleep(0.2)
    else:
        for p in procs:
            p.kill()
        pytest.fail("the workers did not get going")
    # The dupefilter of the running round has a TTL: it can never outlive the round for long.
    dupefilters = list(client.scan_iter(match=f"finews:{SPIDER}:dupefilter:*"))
    assert len(dupefilters) == 1 and 0 < client.ttl(dupefilters[0]) <= 86400
    victim = procs[0]
    victim_id = None
    for key in client.scan_iter(match="finews:worker:*"):
        if f"-{victim.pid}-" in key.decode():
            victim_id = key.decode().split(":", 2)[2]
    assert victim_id, "the victim's liveness key"
    in_flight = client.zcard(f"finews:{SPIDER}:requests:inflight:{victim_id}")
    victim.send_signal(signal.SIGKILL)
    wait_all(procs, tmp_path)

    assert victim.returncode == -signal.SIGKILL
    assert [p.returncode for p in procs[1:]] == [0] * (WORKERS - 1)
    survivors = [stats_of(tmp_path, n) for n in range(1, WORKERS)]
    assert all(s["finish_reason"] == "finished" for s in survivors)
    requeued = sum(s.get("distributed/requeued", 0) for s in survivors)
    assert requeued >= 1, "the killed worker's in-flight requests came back"

    codes = post_codes(tmp_path)
    assert len(codes) == len(set(codes)) == len(expected)
    assert set(codes) == expected
    store = RedisArticleStore(redis_url)
    try:
        assert len(store) == len(expected)
    finally:
        store.close()
    # Every article has exactly one writer: the store names the worker that committed each one;
    # the killed worker's commits plus the survivors' writes account for every article exactly.
    # (An article the victim renamed into place but could not commit is found on disk unchanged
    # by the survivor that takes it over: posts/unchanged, not a second write.)
    by_victim = sum(1 for key in client.scan_iter(match="finews:article:*", count=1000)
                    if client.hget(key, "worker") == victim_id.encode())
    survivors_written = sum(s.get("posts/written", 0) for s in survivors)
    taken_over_unchanged = sum(s.get("posts/unchanged", 0) for s in survivors)
    assert by_victim + survivors_written + taken_over_unchanged == len(expected)
    assert taken_over_unchanged <= 1 + in_flight
    check_shared_state_cleaned(client)
    print(f"\nkilled worker had {in_flight} requests in flight; survivors requeued {requeued}, "
          f"wrote {survivors_written}; victim committed {by_victim}")


def test_redis_store_answers_like_the_sqlite_store(redis_url, tmp_path):
    """The shared store is a drop-in for the SQLite one: same answers for the same history,
    including near-duplicate lookups after a wider distance re-indexes the SimHash bands."""
    from pipelines.state import ArticleStore

    rng = __import__("random").Random(3)
    sqlite, shared = ArticleStore(tmp_path / "state"), RedisArticleStore(redis_url)
    other = RedisArticleStore(redis_url)  # a second worker
    try:
        hashes = {}
        for n in range(300):
            code = f"NW2022{n:08d}"
            simhash = rng.getrandbits(64)
            if n % 10 == 1:  # a copy of the previous article, a few bits apart
                simhash = hashes[f"NW2022{n - 1:08d}"] ^ (1 << rng.randrange(64)) ^ (1 << rng.randrange(64))
            hashes[code] = simhash
            for store in (sqlite, shared):
                store.record(code, f"fp{n}", post_path=f"_posts/{code}.md", url=f"u{n}", spider="s",
                             simhash=None if n % 7 == 0 else simhash)
            time.sleep(0.001)  # distinct written_at: "earliest" must be well defined in both
        shared.record("NW202200000005", "fp5b", post_path="_posts/x.md", url="u5b", spider="s", simhash=None)
        sqlite.record("NW202200000005", "fp5b", post_path="_posts/x.md", url="u5b", spider="s", simhash=None)
        assert len(shared) == len(sqlite) == 300
        for code in ("NW202200000005", "NW202200000042", "NW209999999999"):
            assert shared.get(code) == sqlite.get(code)
            assert (code in shared) == (code in sqlite)
        for distance in (2, 4, 6):  # 6 > the 5 bands of a new store: both re-index
            for code, simhash in list(hashes.items())[::3]:
                probe = simhash ^ (1 << rng.randrange(64))
                assert shared.near(probe, distance) == sqlite.near(probe, distance), (code, distance)
                assert shared.near(simhash, distance, exclude=code) == sqlite.near(simhash, distance, exclude=code)

        # Claims: one holder at a time; released by the holder's commit; taken over from a dead one.
        assert shared.claim("NW202299999999", 5000) is None
        assert other.claim("NW202299999999", 5000) == shared.worker_id
        assert not other.worker_alive(shared.worker_id)  # no scheduler heartbeats in this test
        assert other.claim("NW202299999999", 5000, steal_from=shared.worker_id) is None
        assert shared.claim("NW202299999999", 5000) == other.worker_id
        other.record("NW202299999999", "fp", post_path=None, url=None, spider="s")
        assert shared.claim("NW202299999999", 5000) is None
    finally:
        sqlite.close(), shared.close(), other.close()
