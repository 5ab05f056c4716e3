"""One ``scrapy crawl`` in a subprocess, timed, with its peak memory and stats.

A subprocess per crawl, as cron runs it (and Twisted's reactor cannot restart in one process).
Its CPU time comes from ``os.wait4`` on that very child, so nothing else on the machine (the
sandbox, this harness) is counted. Its peak RSS is the child's own high-water mark, ``VmHWM`` in
``/proc/<pid>/status``, sampled while it runs: ``wait4``'s ``ru_maxrss`` is not the crawl's own,
since Linux carries the forking process's RSS over into the child's across ``exec`` — with this
harness holding 400 MB after warming 100,000 pages, every crawl "peaked" at exactly that. The
peak is also split into anonymous memory (the heap: what the crawl holds) and file-backed pages
(mapped files, such as the state store's SQLite mmap: page cache the kernel can reclaim). Throughput uses Scrapy's own
``elapsed_time_seconds`` (engine start to close): process start-up (imports, the registry) is
the same for every spider and says nothing about pages/s; the re-run figures use wall time,
start-up included, because that is what an operator pays.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: The null spider lives in benchmarks/, next to the project's own spiders for the run only.
SPIDER_MODULES = "crawler.spiders,benchmarks.perf_spiders"


def run_crawl(spider: str, *, mirrors: dict, workdir: Path, args: dict | None = None,
              settings: dict | None = None, timeout: float = 3600) -> dict:
    """Crawl once into ``workdir`` (site, state, feeds, stats, log); return the measurements."""
    workdir.mkdir(parents=True, exist_ok=True)
    run_no = len(list(workdir.glob("stats-*.json")))
    stats_file = workdir / f"stats-{run_no}.json"
    feeds = {
        str(workdir / "feeds" / f"{spider}-{run_no}.jsonl"): {"format": "jsonlines", "encoding": "utf8", "store_empty": False},
        str(workdir / "feeds" / f"{spider}-{run_no}.csv"): {"format": "csv", "encoding": "utf8", "store_empty": False},
    }
    base = {
        "MIRRORS": json.dumps(mirrors),
        "SITE_DIR": str(workdir / "site"),
        "STATE_DIR": str(workdir / "state"),
        "STATS_FILE": str(stats_file),
        "FEEDS": json.dumps(feeds),
        "SPIDER_MODULES": SPIDER_MODULES,
    }
    base.update(settings or {})
    if base.get("JOBDIR") == "auto":  # a fresh disk queue per run: a shared one would resume the last crawl
        base["JOBDIR"] = str(workdir / f"job-{run_no}")
    cmd = [sys.executable, "-m", "scrapy", "crawl", spider]
    for key, value in (args or {}).items():
        cmd += ["-a", f"{key}={value}"]
    for key, value in base.items():
        cmd += ["-s", f"{key}={value}"]
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    log_path = workdir / f"log-{run_no}.txt"
    with open(log_path, "wb") as log:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = started + timeout
        peaks = {"VmHWM": 0, "RssAnon": 0, "RssFile": 0}
        while True:
            _sample_rss(proc.pid, peaks)
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
        wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    stats = json.loads(stats_file.read_text("utf-8")) if stats_file.exists() else {}
    if proc.returncode != 0 or not stats:
        tail = log_path.read_text("utf-8", "replace")[-3000:]
        raise RuntimeError(f"crawl {spider} failed (exit {proc.returncode}); log {log_path}:\n{tail}")
    elapsed = float(stats.get("elapsed_time_seconds") or wall)
    responses = int(stats.get("downloader/response_count", 0))
    cpu = usage.ru_utime + usage.ru_stime
    return {
        "spider": spider,
        "wall_s": round(wall, 3),
        "elapsed_s": round(elapsed, 3),
        "responses": responses,
        "requests": int(stats.get("downloader/request_count", 0)),
        "pages_per_s": round(responses / elapsed, 1) if elapsed else None,
        "cpu_s": round(cpu, 3),
        "cpu_ms_per_page": round(1000 * cpu / responses, 3) if responses else None,
        # VmHWM where /proc has it (Linux); else ru_maxrss, which Linux would report in KiB too.
        "peak_rss_mb": round((peaks["VmHWM"] or usage.ru_maxrss) / 1024, 1),
        "ru_maxrss_mb": round(usage.ru_maxrss / 1024, 1),
        "peak_rss_anon_mb": round(peaks["RssAnon"] / 1024, 1),  # sampled every 20 ms
        "peak_rss_file_mb": round(peaks["RssFile"] / 1024, 1),
        "items": int(stats.get("item_scraped_count", 0)),
        "posts_written": int(stats.get("posts/written", 0)),
        "incremental_skipped": int(stats.get("incremental/skipped", 0)),
        "finish_reason": stats.get("finish_reason"),
    }


def _sample_rss(pid: int, peaks: dict) -> None:
    """Raise ``peaks`` (KiB) to the child's current VmHWM / RssAnon / RssFile, where /proc has them."""
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            for line in f:
                key = line.split(b":", 1)[0].decode()
                if key in peaks:
                    peaks[key] = max(peaks[key], int(line.split()[1]))
    except (OSError, ValueError, IndexError):
        pass
