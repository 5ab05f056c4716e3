"""The Scrapyd route: build the egg with scrapyd-deploy, deploy it to a real scrapyd, schedule
``kejiribao`` against the sandbox through ``schedule.json`` and check the posts it wrote.

The egg is built from a copy of the project in a temporary folder: ``scrapyd-deploy`` writes a
``setup.py`` and a ``build/`` folder where it runs, which must not land in the working tree.
scrapyd runs in its own temporary folder without PYTHONPATH, so the job imports the project from
the deployed egg, not from the repository.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from tests.crawling import ROOT
from tests.services import scrapyd_service  # noqa: F401  (fixture)

SPIDER = "kejiribao"


def scrapyd_deploy() -> str:
    for candidate in (Path(sys.executable).with_name("scrapyd-deploy"), shutil.which("scrapyd-deploy")):
        if candidate and Path(candidate).exists():
            return str(candidate)
    pytest.fail("scrapyd-deploy not found: pip install 'finews-crawler[test]' (scrapyd-client)")


def build_egg(workdir: Path) -> Path:
    project = workdir / "project"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("crawler", "pipelines"):
        shutil.copytree(ROOT / name, project / name, ignore=ignore)
    for name in ("scrapy.cfg", "pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, project / name)
    egg = workdir / "finews.egg"
    proc = subprocess.run([scrapyd_deploy(), f"--build-egg={egg}"], cwd=project, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return egg


def test_deploy_and_schedule_kejiribao(scrapyd_service, sandbox, corpus_posts, tmp_path):
    egg = build_egg(tmp_path)
    names = zipfile.ZipFile(egg).namelist()
    # The outlet registry is package data: without it the egg has no outlet spiders.
    assert "crawler/sources.yaml" in names and "crawler/settings.py" in names
    assert "pipelines/posts.py" in names and not any(n.startswith("tests/") for n in names)
    entry_points = zipfile.ZipFile(egg).read("EGG-INFO/entry_points.txt").decode()
    assert "settings = crawler.settings" in entry_points

    answer = scrapyd_service.post("addversion.json", [("project", "finews"), ("version", "r1")],
                                  {"egg": egg.read_bytes()})
    assert answer["status"] == "ok", answer
    assert answer["spiders"] > 60  # every outlet of the registry, plus finews, share, emnews

    site, state = tmp_path / "site", tmp_path / "state"
    stats_file = tmp_path / "stats.json"
    settings = {
        "MIRRORS": json.dumps(sandbox.mirrors()),
        "SITE_DIR": str(site),
        "STATE_DIR": str(state),
        "STATS_FILE": str(stats_file),
        "FEEDS": json.dumps({str(tmp_path / "feed.jsonl"): {"format": "jsonlines", "encoding": "utf8"}}),
    }
    fields = [("project", "finews"), ("spider", SPIDER)] + [("setting", f"{k}={v}") for k, v in settings.items()]
    answer = scrapyd_service.post("schedule.json", fields)
    assert answer["status"] == "ok", answer
    job = answer["jobid"]

    deadline = time.monotonic() + 180
    finished = None
    while time.monotonic() < deadline:
        jobs = scrapyd_service.get("listjobs.json", project="finews")
        finished = next((j for j in jobs["finished"] if j["id"] == job), None)
        if finished:
            break
        time.sleep(0.5)
    log_file = scrapyd_service.workdir / "logs" / "finews" / SPIDER / f"{job}.log"
    log = log_file.read_text("utf-8", "replace") if log_file.exists() else ""
    assert finished, f"job {job} did not finish:\n{log[-3000:]}"
    assert "Traceback" not in log, log[-3000:]
    stats = json.loads(stats_file.read_text("utf-8"))
    assert stats["finish_reason"] == "finished"
    expected = {p.info_code for p in corpus_posts if p.category == SPIDER}
    posts = sorted((site / "_posts").glob("*.md"))
    assert stats.get("posts/written", 0) == len(posts) == len(expected)
    assert {p.stem.split("-", 3)[3] for p in posts} == expected
    for post in posts:
        text = post.read_text("utf-8")
        assert text.startswith("---\nlayout: post\n") and "categories: kejiribao" in text
