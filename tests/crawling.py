"""Run a real ``scrapy crawl`` in a subprocess against the sandbox and collect what it left.

A subprocess per crawl: Twisted's reactor cannot be restarted in one process, and a separate
process is also exactly what an operator's cron job runs.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class CrawlResult:
    returncode: int
    stats: dict
    log: str
    site_dir: Path
    state_dir: Path
    feed_items: list
    csv_rows: list

    def posts(self, folder="_posts") -> dict[str, Path]:
        d = self.site_dir / folder
        return {p.name: p for p in sorted(d.glob("*.md"))} if d.is_dir() else {}


def run_crawl(spider, *, sandbox, workdir: Path, args=None, settings=None, timeout=300) -> CrawlResult:
    workdir.mkdir(parents=True, exist_ok=True)
    site_dir, state_dir = workdir / "site", workdir / "state"
    run_no = len(list(workdir.glob("stats-*.json")))
    stats_file = workdir / f"stats-{run_no}.json"
    feed_file = workdir / f"feed-{run_no}.jsonl"
    csv_file = workdir / f"feed-{run_no}.csv"
    cmd = [sys.executable, "-m", "scrapy", "crawl", spider]
    for key, value in (args or {}).items():
        cmd += ["-a", f"{key}={value}"]
    base = {
        "MIRRORS": json.dumps(sandbox.mirrors()),
        "SITE_DIR": str(site_dir),
        "STATE_DIR": str(state_dir),
        "STATS_FILE": str(stats_file),
        "FEEDS": json.dumps(
            {str(feed_file): {"format": "jsonlines", "encoding": "utf8"}, str(csv_file): {"format": "csv", "encoding": "utf8"}}
        ),
        "LOG_LEVEL": "INFO",
    }
    base.update(settings or {})
    for key, value in base.items():
        cmd += ["-s", f"{key}={value}"]
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, errors="replace", timeout=timeout)
    stats = json.loads(stats_file.read_text("utf-8")) if stats_file.exists() else {}
    items = (
        # split on "\n" only: str.splitlines() would also split inside a title holding U+2028
        [json.loads(line) for line in feed_file.read_text("utf-8").split("\n") if line.strip()]
        if feed_file.exists()
        else []
    )
    rows = list(csv.DictReader(io.StringIO(csv_file.read_text("utf-8")))) if csv_file.exists() else []
    return CrawlResult(proc.returncode, stats, proc.stdout + proc.stderr, site_dir, state_dir, items, rows)
