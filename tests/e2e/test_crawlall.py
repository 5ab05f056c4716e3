"""`scrapy crawlall`: several outlet spiders in one process, progress in a terminal."""

import json
import os
import pty
import subprocess
import sys

from tests.crawling import ROOT
from tests.postfile import read_post

OUTLETS = ["kejiribao", "zhengquanshibao", "quanshangzhongguo"]


def run_in_terminal(cmd, timeout=120) -> tuple[int, str]:
    """Run ``cmd`` with a pseudo-terminal as stdout/stderr, as a person at a shell would."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=follower, stderr=follower)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    return proc.wait(timeout=timeout), b"".join(chunks).decode("utf-8", "replace")


def test_crawlall_runs_outlets_in_one_process(sandbox, tmp_path):
    cmd = [
        sys.executable, "-m", "scrapy", "crawlall", *OUTLETS,
        "-s", f"MIRRORS={json.dumps(sandbox.mirrors())}",
        "-s", f"SITE_DIR={tmp_path / 'site'}",
        "-s", f"STATE_DIR={tmp_path / 'state'}",
        "-s", "FEEDS={}",
    ]
    code, out = run_in_terminal(cmd)
    assert code == 0, out[-3000:]
    assert "[crawlall] 3/3 spiders finished, 7 posts written" in out
    for name, written in (("kejiribao", 1), ("zhengquanshibao", 3), ("quanshangzhongguo", 3)):
        assert f"{name}: finished, {written} written" in out
    posts = sorted((tmp_path / "site" / "_posts").glob("*.md"))
    assert len(posts) == 7
    assert {read_post(p).front_matter["categories"] for p in posts} == set(OUTLETS)


def test_crawlall_rejects_unknown_spiders():
    proc = subprocess.run([sys.executable, "-m", "scrapy", "crawlall", "kejiribao", "nope"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "no spider named nope" in proc.stderr


def run_crawlall(server, tmp_path, *extra):
    cmd = [
        sys.executable, "-m", "scrapy", "crawlall", *OUTLETS,
        "-s", f"MIRRORS={json.dumps(server.mirrors())}",
        "-s", f"SITE_DIR={tmp_path / 'site'}", "-s", f"STATE_DIR={tmp_path / 'state'}",
        "-s", "FEEDS={}", "-s", "FOLLOW_SHARE_LINKS=False", *extra,
    ]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_connection_limits_are_shared_by_all_spiders(corpus_dir, tmp_path):
    """Measured at the server: slow post pages, three spiders; without the shared limit they
    overlap, with SHARED_CONCURRENT_REQUESTS_PER_HOST=1 never more than one request is open."""
    from sandbox import SandboxServer

    with SandboxServer(corpus_dir=corpus_dir, fault_delay=0.3) as server:
        server.add_fault("finews.withounder.com", r"/(kejiribao|zhengquanshibao|quanshangzhongguo)/", "timeout")
        free = run_crawlall(server, tmp_path / "free", "-s", "SHARED_CONCURRENCY_ENABLED=False")
        assert free.returncode == 0, free.stderr[-3000:]
        assert server.max_in_flight >= 2

        server.reset_hits()
        server.max_in_flight = 0
        shared = run_crawlall(server, tmp_path / "shared", "-s", "SHARED_CONCURRENT_REQUESTS_PER_HOST=1")
        assert shared.returncode == 0, shared.stderr[-3000:]
        assert server.max_in_flight == 1
        assert len(list((tmp_path / "shared" / "site" / "_posts").glob("*.md"))) == 7
