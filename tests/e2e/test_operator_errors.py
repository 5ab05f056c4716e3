"""An operator's mistake costs one clear line and a non-zero exit, never a traceback wall, and
nothing is fetched or written before it is caught.

``scrapy crawl`` catches each one before the engine starts (exit code 2). Runners that bypass the
command (Scrapyd; here ``scrapy crawlall``, which builds its crawlers itself) get the same line
from the component and the spider closed with a reason before any request.
"""

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.crawling import ROOT, run_crawl

MIRRORS_EXAMPLE = '-s MIRRORS=\'{"finews.withounder.com": "http://127.0.0.1:8765/finews.withounder.com"}\''


def error_lines(log: str) -> list[str]:
    return [line for line in log.splitlines() if line.startswith("error:")]


def bad_mirrors_json(tmp_path):
    return {"MIRRORS": '{"finews.withounder.com": http://127.0.0.1}'}, (
        "error: MIRRORS is not valid JSON (Expecting value); use e.g. " + MIRRORS_EXAMPLE
    ), "mirrors_invalid"


def bad_mirrors_url(tmp_path):
    return {"MIRRORS": json.dumps({"finews.withounder.com": "127.0.0.1:8765"})}, (
        "error: MIRRORS['finews.withounder.com'] = '127.0.0.1:8765' is not an http(s) base URL "
        "such as http://127.0.0.1:8765"
    ), "mirrors_invalid"


def bad_number(tmp_path):
    return {"HEALTH_MAX_EXTRACTION_FAILURE_SHARE": "50%"}, (
        "error: HEALTH_MAX_EXTRACTION_FAILURE_SHARE = '50%' must be between 0 and 1"
    ), None


def site_dir_is_a_file(tmp_path):
    site = tmp_path / "site"
    site.write_text("not a folder")
    return {}, (
        f"error: SITE_DIR {site} is not writable (Not a directory: {site / '_posts'}); "
        "make it a writable directory or point -s SITE_DIR at one"
    ), "site_dir_unwritable"


def site_dir_read_only(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root writes into read-only folders; the file-in-the-way case covers root")
    posts = tmp_path / "site" / "_posts"
    posts.mkdir(parents=True)
    posts.chmod(0o555)
    return {}, (
        f"error: SITE_DIR {tmp_path / 'site'} is not writable (Permission denied: {posts}); "
        "make it a writable directory or point -s SITE_DIR at one"
    ), "site_dir_unwritable"


def state_dir_is_a_file(tmp_path):
    state = tmp_path / "state"
    state.write_text("not a folder")
    return {}, (
        f"error: cannot open the state store {state / 'articles.sqlite3'} ([Errno 17] File exists: '{state}'); "
        "make STATE_DIR writable or point -s STATE_DIR at a writable directory"
    ), "state_unusable"


def corrupt_state(tmp_path):
    db = tmp_path / "state" / "articles.sqlite3"
    db.parent.mkdir(parents=True)
    db.write_bytes(b"\x8f garbage, not SQLite \x00" * 400)
    return {}, (
        f"error: the state store {db} is corrupt (file is not a database); move it aside with its -wal "
        f"and -shm files (e.g. mv {db} {db}.corrupt) and run again: the next run fetches every listed "
        "article once more and leaves identical posts untouched"
    ), "state_unusable"


CASES = [
    bad_mirrors_json, bad_mirrors_url, bad_number, site_dir_is_a_file, site_dir_read_only, state_dir_is_a_file, corrupt_state,
]


def run_cases(cases, tmp_path, run):
    """Each case in its own folder, all at once (they are independent processes): one start-up
    time instead of one per case."""
    prepared = {}
    for case in cases:
        work = tmp_path / case.__name__
        work.mkdir()
        try:
            prepared[case.__name__] = (work, *case(work))
        except pytest.skip.Exception as exc:
            print(f"{case.__name__}: skipped ({exc})")
    with ThreadPoolExecutor(max_workers=len(prepared)) as pool:
        futures = {name: pool.submit(run, work, settings) for name, (work, settings, _, _) in prepared.items()}
        return {name: (prepared[name], future.result()) for name, future in futures.items()}


def files_of(folder):
    return {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_crawl_stops_with_one_line_before_any_request(sandbox, tmp_path):
    snapshots = {}

    def run(work, settings):
        snapshots[work] = files_of(work)
        return run_crawl("kejiribao", sandbox=sandbox, workdir=work, settings=settings, timeout=120)

    results = run_cases(CASES, tmp_path, run)
    assert len(results) >= 6
    for name, ((work, _, message, _), result) in results.items():
        assert result.returncode == 2, (name, result.log[-3000:])
        assert error_lines(result.log) == [message], name
        assert "Traceback" not in result.log and "Spider opened" not in result.log, name
        # nothing written, nothing changed (the corrupt store is evidence: left as it was)
        assert files_of(work) == snapshots[work], name
    assert sandbox.hits() == 0


#: A runner that builds its crawler itself, as Scrapyd's launcher does: no `crawl` command checks.
RUNNER = """
import sys
from scrapy.crawler import CrawlerProcess
from scrapy.utils.project import get_project_settings

settings = get_project_settings()
for pair in sys.argv[1:]:
    key, _, value = pair.partition("=")
    settings.set(key, value, priority="cmdline")
process = CrawlerProcess(settings)
crawler = process.create_crawler("kejiribao")
process.crawl(crawler)
process.start()
print("kejiribao:", crawler.stats.get_value("finish_reason"))
"""


def test_components_fail_cleanly_without_the_crawl_command(sandbox, tmp_path):
    """What Scrapyd or any runner that builds crawlers itself sees: the same line, a finish reason."""

    def run(work, settings):
        base = {"MIRRORS": json.dumps(sandbox.mirrors()), "SITE_DIR": str(work / "site"),
                "STATE_DIR": str(work / "state"), "FEEDS": "{}"}
        cmd = [sys.executable, "-c", RUNNER, *(f"{k}={v}" for k, v in {**base, **settings}.items())]
        return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)

    results = run_cases([bad_mirrors_json, site_dir_is_a_file, corrupt_state], tmp_path, run)
    for name, ((_, _, message, reason), proc) in results.items():
        assert proc.stdout.strip().splitlines()[-1] == f"kejiribao: {reason}", (name, proc.stdout, proc.stderr[-3000:])
        logged = [line.split("ERROR: ", 1)[1] for line in proc.stderr.splitlines() if " ERROR: " in line]
        assert logged[0] == message.removeprefix("error: "), (name, proc.stderr[-3000:])
        # the post-run monitor then reports the failed run in its own (unittest-style) format
        assert "Traceback" not in proc.stderr.split("[Spidermon]")[0], name
    assert sandbox.hits() == 0


def test_crawlall_checks_the_configuration_first(sandbox, tmp_path):
    settings = {"MIRRORS": "{not json", "SITE_DIR": str(tmp_path / "site"), "STATE_DIR": str(tmp_path / "state")}
    cmd = [sys.executable, "-m", "scrapy", "crawlall", "kejiribao"]
    for key, value in settings.items():
        cmd += ["-s", f"{key}={value}"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "MIRRORS is not valid JSON" in proc.stderr and "Traceback" not in proc.stderr
    assert sandbox.hits() == 0


def test_corrupt_state_fix_from_the_message_works(sandbox, tmp_path):
    first = run_crawl("kejiribao", sandbox=sandbox, workdir=tmp_path)
    assert first.returncode == 0, first.log[-3000:]
    [post] = first.posts().values()
    before = post.read_bytes()
    db = first.state_dir / "articles.sqlite3"
    db.write_bytes(os.urandom(4096))

    broken = run_crawl("kejiribao", sandbox=sandbox, workdir=tmp_path)
    assert broken.returncode == 2
    assert error_lines(broken.log)[0].startswith(f"error: the state store {db} is corrupt")

    for leftover in db.parent.glob("articles.sqlite3*"):  # what the message says to do
        leftover.rename(leftover.with_name(leftover.name + ".corrupt"))
    fixed = run_crawl("kejiribao", sandbox=sandbox, workdir=tmp_path)
    assert fixed.returncode == 0, fixed.log[-3000:]
    assert fixed.stats["posts/unchanged"] == 1 and "posts/written" not in fixed.stats
    assert post.read_bytes() == before


def test_unreachable_redis_is_one_line_before_any_request(sandbox, tmp_path):
    """Distributed mode with Redis down (nothing listens on the port): the preflight pings it."""
    import socket

    with socket.socket() as probe:  # a port that was free a moment ago and nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"redis://127.0.0.1:{port}/0"
    result = run_crawl("kejiribao", sandbox=sandbox, workdir=tmp_path, settings={"DISTRIBUTED_REDIS_URL": url}, timeout=120)
    assert result.returncode == 2, result.log[-3000:]
    [line] = error_lines(result.log)
    assert line.startswith(f"error: cannot reach the Redis article store at {url}: "), line
    assert "refused" in line.lower(), line
    assert line.endswith("Check DISTRIBUTED_REDIS_URL and that redis-server is running and reachable from this machine.")
    assert "Traceback" not in result.log and "Spider opened" not in result.log
    assert sandbox.hits() == 0
