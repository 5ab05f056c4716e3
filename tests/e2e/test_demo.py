"""The README's demo command works with no network: sandbox up, crawl, posts written."""

import subprocess
import sys

from tests.crawling import ROOT


def test_scrapy_demo(tmp_path):
    cmd = [sys.executable, "-m", "scrapy", "demo", "-s", f"SITE_DIR={tmp_path / 'site'}",
           "-s", f"STATE_DIR={tmp_path / 'state'}", "-s", f"FEEDS={{}}", "-s", "LOG_LEVEL=WARNING"]
    first = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "kejiribao: 1 posts written" in first.stdout
    assert (tmp_path / "site" / "_posts" / "2022-01-11-NW202201112243997097.md").is_file()
    second = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "kejiribao: 0 posts written, 1 already known and skipped" in second.stdout
