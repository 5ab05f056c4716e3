"""``scrapy upkeep`` as cron runs it (a subprocess in the project folder), and upkeep on crawl close.

The file names that must move and the pages that must appear are listed by hand from the corpus.
"""

import os
import shutil
import subprocess
import sys

from tests.conftest import CORPUS_DIR
from tests.crawling import ROOT, run_crawl

POSTS = CORPUS_DIR / "finews_posts"

SITE_POSTS = {
    "2021-12-08-202112082206672930.md": POSTS / "_posts",  # emnews
    "2022-01-11-NW202201112243997097.md": POSTS / "old_post",  # kejiribao
    "2022-03-17-NW202203172312490456.md": POSTS / "old_post",  # zhongguozhengquanbao·zhongzhengwang
    "2022-04-27-NW202204272360040996.md": POSTS / "old_post",  # shanghaizhengquanbao
    "2022-05-16-NW202205162380191653.md": POSTS / "old_post",  # zhongguojijinbao
}
# now 2022-05-20, 30 days: dated before 2022-04-20
MOVED = {
    "2021-12-08-202112082206672930.md",
    "2022-01-11-NW202201112243997097.md",
    "2022-03-17-NW202203172312490456.md",
}
STAYED = {"2022-04-27-NW202204272360040996.md", "2022-05-16-NW202205162380191653.md"}
PAGES = {
    "emnews.html",
    "kejiribao.html",
    "zhongguozhengquanbao·zhongzhengwang.html",
    "shanghaizhengquanbao.html",
    "zhongguojijinbao.html",
}


def upkeep(*args):
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "upkeep", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )


def make_site(tmp_path):
    site = tmp_path / "site"
    (site / "_posts").mkdir(parents=True)
    for name, folder in SITE_POSTS.items():
        shutil.copyfile(folder / name, site / "_posts" / name)
    return site


def snapshot(root):
    return {
        str(p.relative_to(root)): (p.read_bytes(), p.stat().st_ino, p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_upkeep_archives_and_writes_pages_then_changes_nothing(tmp_path):
    site = make_site(tmp_path)

    first = upkeep("-s", f"SITE_DIR={site}", "--archive-days", "30", "--now", "2022-05-20")

    assert first.returncode == 0, first.stdout + first.stderr
    assert {p.name for p in (site / "_posts").iterdir()} == STAYED
    assert {p.name for p in (site / "old_post").iterdir()} == MOVED
    assert {p.name for p in (site / "category").iterdir()} == PAGES
    assert (site / "category" / "kejiribao.html").read_text("utf-8") == (
        "---\nlayout: category\ntitle: 科技日报新闻\ncategory: kejiribao\n---\n"
    )
    lines = first.stdout.splitlines()
    assert "archive: 3 moved, 0 already archived, 0 conflicts, 0 skipped (posts dated before 2022-04-20, 30 days)" in lines
    assert any(line.startswith("categories: 5 written, 0 unchanged, 0 skipped") for line in lines)

    before = snapshot(site)
    second = upkeep("-s", f"SITE_DIR={site}", "--archive-days", "30", "--now", "2022-05-20")

    assert second.returncode == 0, second.stdout + second.stderr
    assert snapshot(site) == before
    lines = second.stdout.splitlines()
    assert any(line.startswith("archive: 0 moved, 0 already archived, 0 conflicts") for line in lines)
    assert any(line.startswith("categories: 0 written, 5 unchanged") for line in lines)


def test_archive_days_come_from_the_setting_and_chores_can_be_turned_off(tmp_path):
    site = make_site(tmp_path)

    only_archive = upkeep("-s", f"SITE_DIR={site}", "-s", "UPKEEP_ARCHIVE_DAYS=60", "--now", "2022-05-20", "--no-categories")

    assert only_archive.returncode == 0, only_archive.stdout + only_archive.stderr
    # 60 days before 2022-05-20 is 2022-03-21: the 03-17 post moves, the 04-27 one stays.
    assert {p.name for p in (site / "old_post").iterdir()} == MOVED
    assert not (site / "category").exists()
    assert [line for line in only_archive.stdout.splitlines() if line.startswith("categories")] == []

    only_pages = upkeep("-s", f"SITE_DIR={site}", "--no-archive")
    assert only_pages.returncode == 0, only_pages.stdout + only_pages.stderr
    assert {p.name for p in (site / "_posts").iterdir()} == STAYED
    assert {p.name for p in (site / "category").iterdir()} == PAGES
    assert [line for line in only_pages.stdout.splitlines() if line.startswith("archive")] == []


def test_missing_site_dir_is_one_clear_error(tmp_path):
    missing = tmp_path / "no-such-site"
    result = upkeep("-s", f"SITE_DIR={missing}")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        f"upkeep: SITE_DIR {missing} does not exist (set it with -s SITE_DIR=...)"
    ]
    assert not missing.exists()


def test_crawl_with_upkeep_on_close_writes_the_category_page(sandbox, tmp_path):
    result = run_crawl("kejiribao", sandbox=sandbox, workdir=tmp_path, settings={"UPKEEP_ON_CLOSE": "True"})

    assert result.returncode == 0, result.log[-3000:]
    site = result.site_dir
    assert (site / "category" / "kejiribao.html").read_text("utf-8") == (
        "---\nlayout: category\ntitle: 科技日报新闻\ncategory: kejiribao\n---\n"
    )
    assert result.stats["upkeep/category_pages_written"] == 1
    # The post is from 2022-01-11, far older than the default 30 days, so it is archived at once.
    assert result.stats["upkeep/archived"] == 1
    assert result.stats["upkeep/conflicts"] == 0
    assert result.posts("old_post").keys() == {"2022-01-11-NW202201112243997097.md"}
    assert result.posts() == {}


def test_crawl_without_upkeep_on_close_leaves_the_site_alone(sandbox, tmp_path):
    result = run_crawl("kejiribao", sandbox=sandbox, workdir=tmp_path)

    assert result.returncode == 0, result.log[-3000:]
    assert not (result.site_dir / "category").exists()
    assert not [key for key in result.stats if key.startswith("upkeep/")]
    assert list(result.posts()) == ["2022-01-11-NW202201112243997097.md"]
