"""``scrapy report`` renders the run history as one HTML page that a real browser draws.

The history holds two real crawls of the sandbox plus two weeks of backfilled rows for a few more
spiders (written through the same ``RunHistory`` API the extension uses), so every chart has
several series over many days. Headless Chromium (Debian's ``chromium``) loads the file with the
network off; the page's own script marks how many charts got a non-empty layout, which
``--dump-dom`` shows, and a screenshot is kept in ``exports/report-screenshot.png``.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import struct
import subprocess
import sys
import time

import pytest

from crawler.extensions.history import RunHistory
from tests.crawling import ROOT, run_crawl

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars", "--window-size=1000,1900",
]


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    pytest.fail("chromium not found: apt-get install chromium (listed in .ci/run)")


def backfill(path, now: float) -> None:
    rng = random.Random(5)
    history = RunHistory(path)
    try:
        for spider, base, slow in (("21caijing", 40, 20.0), ("zhengquanshibao", 25, 8.0), ("finews", 90, 60.0),
                                   ("emnews", 15, 3.0)):
            for day in range(14, 0, -1):
                for hour in (3, 11, 19):
                    finished = now - day * 86400 + hour * 3600
                    broken = spider == "zhengquanshibao" and day in (4, 5)
                    written = 0 if broken else max(0, int(rng.gauss(base / 3, base / 10)))
                    stray_drop = not broken and rng.random() < 0.2  # a page now and then lacks a date
                    stray_error = not broken and rng.random() < 0.1
                    history.append({
                        "spider": spider, "started_at": finished - slow, "finished_at": finished,
                        "duration": slow * rng.uniform(0.7, 1.5), "finish_reason": "finished",
                        "pages": written * 2 + 1, "requests": written * 2 + 1, "items": written,
                        "seen": 0 if broken else base, "written": written,
                        "dropped": 3 if broken else int(stray_drop),
                        "drops": {"missing_body": 3} if broken else ({"missing_date": 1} if stray_drop else {}),
                        "errors": 2 if broken else int(stray_error), "retries": 4 if broken else 0,
                        "monitor_failed": 2 if broken else 0,
                        "monitor": {"item_count": 1, "error_rate": 1} if broken else {}, "worker": "backfill",
                    })
    finally:
        history.close()


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


def test_report_renders_charts_in_headless_chromium(sandbox, tmp_path):
    for _ in range(2):
        run = run_crawl("kejiribao", sandbox=sandbox, workdir=tmp_path, settings={"INCREMENTAL_ENABLED": "False"})
        assert run.returncode == 0, run.log[-2000:]
    history_file = tmp_path / "state" / "history.sqlite3"
    backfill(history_file, time.time())

    page = tmp_path / "report.html"
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run(
        [sys.executable, "-m", "scrapy", "report", "--history", str(history_file), "--output", str(page)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert re.search(r"report: 170 runs of 5 spiders", proc.stdout), proc.stdout
    html = page.read_text("utf-8")
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")  # nothing to fetch
    assert html.count('<svg class="chart"') == 3

    profile = tmp_path / "chromium-profile"
    dom = subprocess.run(
        [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120,
    )
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert 'data-charts-rendered="3"' in dom.stdout, dom.stdout[:500]
    assert len(re.findall(r'<path class="series"', dom.stdout)) == 5  # one line per spider
    assert len(re.findall(r'<rect class="bar"', dom.stdout)) > 10

    shot = ROOT / "exports" / "report-screenshot.png"
    shot.parent.mkdir(exist_ok=True)
    shot.unlink(missing_ok=True)
    proc = subprocess.run(
        [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--screenshot={shot}", page.as_uri()],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0 and shot.exists(), proc.stderr[-2000:]
    data = shot.read_bytes()
    assert png_size(data) == (1000, 1900)
    # A blank page compresses to a few kilobytes; three charts, cards and tables do not.
    assert len(data) > 60_000, len(data)
