"""Site upkeep on a throw-away site made of real finews posts (the shared corpus).

Which files move and what each category page says are written out by hand from the corpus file
names and front matter, never computed with the code under test.
"""

import datetime as dt
import logging
import shutil

import pytest
import yaml

from crawler.upkeep import (
    ArchiveResult,
    CategoryResult,
    archive_old_posts,
    render_category_page,
    write_category_pages,
    yaml_value,
)
from tests.conftest import CORPUS_DIR

POSTS = CORPUS_DIR / "finews_posts"
NOW = dt.date(2022, 5, 20)  # with 30 days: posts dated before 2022-04-20 move

# Real posts put in the site's _posts/ (source folder in the corpus, file name).
IN_POSTS = [
    ("_posts", "2021-12-08-202112082206672930.md"),  # emnews
    ("_posts", "2021-12-08-202112082206928461.md"),  # emnews
    ("old_post", "2022-01-11-NW202201112243997097.md"),  # kejiribao
    ("old_post", "2022-03-17-NW202203172312490456.md"),  # zhongguozhengquanbao·zhongzhengwang
    ("old_post", "2022-04-10-NW202204102337437990.md"),  # zhengquanshibao
    ("old_post", "2022-04-27-NW202204272360040996.md"),  # shanghaizhengquanbao
    ("old_post", "2022-04-29-NW202204292365954260.md"),  # zhongguozhengquanbao
    ("old_post", "2022-04-29-NW202204292366012027.md"),  # 21caijing
    ("old_post", "2022-05-16-NW202205162380191653.md"),  # zhongguojijinbao
    ("old_post", "2022-05-30-NW202205302395495176.md"),  # quanshangzhongguo
]
# Real posts put in the site's old_post/ (already archived).
IN_OLD_POST = [
    "2021-12-08-202112082206703990.md",  # emnews
    "2022-01-05-NW202201052236060062.md",  # zhengquanshibao
]

MOVE_AT_NOW = {
    "2021-12-08-202112082206672930.md",
    "2021-12-08-202112082206928461.md",
    "2022-01-11-NW202201112243997097.md",
    "2022-03-17-NW202203172312490456.md",
    "2022-04-10-NW202204102337437990.md",
}
STAY_AT_NOW = {
    "2022-04-27-NW202204272360040996.md",
    "2022-04-29-NW202204292365954260.md",
    "2022-04-29-NW202204292366012027.md",
    "2022-05-16-NW202205162380191653.md",
    "2022-05-30-NW202205302395495176.md",
}

# Every category of the site above and the tag of its newest post, from the corpus front matter.
CATEGORY_TITLES = {
    "emnews": "东财滚动新闻",
    "kejiribao": "科技日报新闻",
    "zhongguozhengquanbao·zhongzhengwang": "中国证券报·中证网新闻",
    "zhengquanshibao": "证券时报新闻",
    "shanghaizhengquanbao": "上海证券报新闻",
    "zhongguozhengquanbao": "中国证券报新闻",
    "21caijing": "21财经新闻",
    "zhongguojijinbao": "中国基金报新闻",
    "quanshangzhongguo": "券商中国新闻",
}

KEJIRIBAO_PAGE = "---\nlayout: category\ntitle: 科技日报新闻\ncategory: kejiribao\n---\n"
ZHONGZHENGWANG_PAGE = (
    "---\n"
    "layout: category\n"
    "title: 中国证券报·中证网新闻\n"
    "category: zhongguozhengquanbao·zhongzhengwang\n"
    "---\n"
)


@pytest.fixture
def site(tmp_path):
    root = tmp_path / "site"
    (root / "_posts").mkdir(parents=True)
    (root / "old_post").mkdir()
    for folder, name in IN_POSTS:
        shutil.copyfile(POSTS / folder / name, root / "_posts" / name)
    for name in IN_OLD_POST:
        shutil.copyfile(POSTS / "old_post" / name, root / "old_post" / name)
    return root


def names(folder):
    return {p.name for p in folder.iterdir()} if folder.is_dir() else set()


def snapshot(root):
    """Every file under ``root`` with its bytes, inode and mtime: equal snapshots = nothing changed."""
    return {
        str(p.relative_to(root)): (p.read_bytes(), p.stat().st_ino, p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def corpus_bytes(name):
    for folder in ("_posts", "old_post"):
        if (POSTS / folder / name).exists():
            return (POSTS / folder / name).read_bytes()
    raise AssertionError(name)


def with_front_matter_line(name, old, new):
    """A real post's bytes with one front-matter line replaced (for the cases the corpus lacks)."""
    text = corpus_bytes(name).decode("utf-8")
    assert old in text
    return text.replace(old, new, 1).encode("utf-8")


# --- archive ------------------------------------------------------------------------------------


def test_posts_dated_before_now_minus_days_move_to_old_post(site):
    result = archive_old_posts(site, 30, now=NOW)

    assert result == ArchiveResult(moved=5, already_archived=0, conflicts=0, skipped=0)
    assert names(site / "_posts") == STAY_AT_NOW
    assert names(site / "old_post") == MOVE_AT_NOW | set(IN_OLD_POST)
    for name in MOVE_AT_NOW | set(IN_OLD_POST):
        assert (site / "old_post" / name).read_bytes() == corpus_bytes(name)


def test_the_cutoff_day_itself_stays(site):
    # now 2022-05-29, 30 days: cutoff 2022-04-29; the 04-29 posts stay, 04-27 goes.
    archive_old_posts(site, 30, now=dt.date(2022, 5, 29))
    assert names(site / "_posts") == {
        "2022-04-29-NW202204292365954260.md",
        "2022-04-29-NW202204292366012027.md",
        "2022-05-16-NW202205162380191653.md",
        "2022-05-30-NW202205302395495176.md",
    }


def test_age_is_counted_in_shanghai_days(site):
    # 16:30 UTC on 05-28 is 00:30 on 05-29 in Shanghai: cutoff 2022-04-30, so the 04-29 posts go.
    # (Counted in UTC days the cutoff would be 2022-04-29 and they would stay.)
    now = dt.datetime(2022, 5, 28, 16, 30, tzinfo=dt.timezone.utc)
    archive_old_posts(site, 29, now=now)
    assert names(site / "_posts") == {
        "2022-05-16-NW202205162380191653.md",
        "2022-05-30-NW202205302395495176.md",
    }


@pytest.mark.parametrize("days", [0, -1])
def test_zero_or_negative_days_never_archive(site, days):
    before = snapshot(site)
    assert archive_old_posts(site, days, now=NOW) == ArchiveResult()
    assert snapshot(site) == before


def test_identical_copy_already_in_old_post_removes_the_posts_copy(site):
    name = "2022-01-11-NW202201112243997097.md"
    shutil.copyfile(POSTS / "old_post" / name, site / "old_post" / name)
    archived_inode = (site / "old_post" / name).stat().st_ino

    result = archive_old_posts(site, 30, now=NOW)

    assert (result.moved, result.already_archived, result.conflicts) == (4, 1, 0)
    assert not (site / "_posts" / name).exists()
    assert (site / "old_post" / name).stat().st_ino == archived_inode
    assert (site / "old_post" / name).read_bytes() == corpus_bytes(name)


def test_a_run_killed_between_link_and_unlink_is_finished(site):
    # The same file under both names (hard link) is what a killed move leaves behind.
    name = "2022-03-17-NW202203172312490456.md"
    (site / "old_post" / name).hardlink_to(site / "_posts" / name)
    result = archive_old_posts(site, 30, now=NOW)
    assert result.already_archived == 1 and result.conflicts == 0
    assert not (site / "_posts" / name).exists()
    assert (site / "old_post" / name).read_bytes() == corpus_bytes(name)


def test_different_copy_in_old_post_is_a_conflict_and_both_are_kept(site, caplog):
    name = "2022-01-11-NW202201112243997097.md"
    other = corpus_bytes(name) + b"\n<p>edited by hand</p>"
    (site / "old_post" / name).write_bytes(other)

    with caplog.at_level(logging.WARNING):
        result = archive_old_posts(site, 30, now=NOW)

    assert (result.moved, result.already_archived, result.conflicts) == (4, 0, 1)
    assert (site / "_posts" / name).read_bytes() == corpus_bytes(name)
    assert (site / "old_post" / name).read_bytes() == other
    assert any(name in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)

    # Still a conflict next time, and still nothing overwritten.
    again = archive_old_posts(site, 30, now=NOW)
    assert (again.moved, again.conflicts) == (0, 1)
    assert (site / "old_post" / name).read_bytes() == other


def test_temp_and_non_markdown_files_are_not_posts(site):
    (site / "_posts" / ".2021-01-01-NW1.md.abc.tmp").write_bytes(b"half a post")
    (site / "_posts" / ".2021-01-01-NW2.md").write_bytes(b"hidden")
    (site / "_posts" / "2021-01-01-notes.txt").write_bytes(b"not a post")

    result = archive_old_posts(site, 30, now=NOW)

    assert result.skipped == 0
    assert {".2021-01-01-NW1.md.abc.tmp", ".2021-01-01-NW2.md", "2021-01-01-notes.txt"} <= names(site / "_posts")
    assert names(site / "old_post") == MOVE_AT_NOW | set(IN_OLD_POST)


def test_broken_front_matter_is_never_moved(site, caplog):
    name = "2022-01-11-NW202201112243997097.md"
    broken = with_front_matter_line(name, "categories: kejiribao", "categories: [kejiribao")
    (site / "_posts" / name).write_bytes(broken)
    unclosed = "2022-03-17-NW202203172312490456.md"
    unclosed_bytes = corpus_bytes(unclosed).replace(b"\n---\n", b"\n", 1)
    (site / "_posts" / unclosed).write_bytes(unclosed_bytes)

    with caplog.at_level(logging.WARNING):
        result = archive_old_posts(site, 30, now=NOW)

    assert (result.moved, result.skipped) == (3, 2)
    assert (site / "_posts" / name).read_bytes() == broken
    assert (site / "_posts" / unclosed).read_bytes() == unclosed_bytes
    assert not (site / "old_post" / name).exists() and not (site / "old_post" / unclosed).exists()
    assert any(name in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)


def test_archive_without_old_post_folder_creates_it(tmp_path):
    site = tmp_path / "site"
    (site / "_posts").mkdir(parents=True)
    name = "2022-01-11-NW202201112243997097.md"
    shutil.copyfile(POSTS / "old_post" / name, site / "_posts" / name)
    assert archive_old_posts(site, 30, now=NOW).moved == 1
    assert names(site / "old_post") == {name}


def test_site_without_posts_is_a_no_op(tmp_path):
    assert archive_old_posts(tmp_path, 30, now=NOW) == ArchiveResult()
    assert write_category_pages(tmp_path) == CategoryResult()
    assert list(tmp_path.iterdir()) == []


# --- category pages -----------------------------------------------------------------------------


def test_a_page_for_every_category_with_posts(site):
    result = write_category_pages(site)

    assert result == CategoryResult(pages_written=9, pages_unchanged=0, skipped=0)
    assert names(site / "category") == {f"{slug}.html" for slug in CATEGORY_TITLES}
    assert (site / "category" / "kejiribao.html").read_text("utf-8") == KEJIRIBAO_PAGE
    assert (
        site / "category" / "zhongguozhengquanbao·zhongzhengwang.html"
    ).read_text("utf-8") == ZHONGZHENGWANG_PAGE
    for slug, title in CATEGORY_TITLES.items():
        text = (site / "category" / f"{slug}.html").read_text("utf-8")
        assert text.startswith("---\n") and text.endswith("\n---\n")
        assert yaml.safe_load(text.split("---\n")[1]) == {"layout": "category", "title": title, "category": slug}


def test_pages_cover_posts_that_are_only_in_old_post(site):
    # emnews and zhengquanshibao also have posts in old_post/; archiving first changes no page.
    archive_old_posts(site, 30, now=NOW)
    write_category_pages(site)
    assert names(site / "category") == {f"{slug}.html" for slug in CATEGORY_TITLES}


def test_title_is_the_tag_of_the_newest_post(site):
    # A later zhengquanshibao post with another label (a copy of a real one, tag edited).
    later = with_front_matter_line("2022-06-02-NW202206022399989363.md", "tags: 证券时报新闻", "tags: 证券时报头条")
    (site / "_posts" / "2022-06-02-NW202206022399989363.md").write_bytes(later)
    write_category_pages(site)
    assert (site / "category" / "zhengquanshibao.html").read_text("utf-8") == (
        "---\nlayout: category\ntitle: 证券时报头条\ncategory: zhengquanshibao\n---\n"
    )


def test_titles_that_yaml_would_misread_are_double_quoted(site):
    name = "2022-01-11-NW202201112243997097.md"
    (site / "_posts" / name).write_bytes(with_front_matter_line(name, "tags: 科技日报新闻", 'tags: "科技: 日报 #1"'))
    write_category_pages(site)
    assert (site / "category" / "kejiribao.html").read_text("utf-8") == (
        '---\nlayout: category\ntitle: "科技: 日报 #1"\ncategory: kejiribao\n---\n'
    )


@pytest.mark.parametrize(
    "value, written",
    [
        ("科技日报新闻", "科技日报新闻"),
        ("e公司新闻", "e公司新闻"),
        ("zhongguozhengquanbao·zhongzhengwang", "zhongguozhengquanbao·zhongzhengwang"),
        ("21caijing", "21caijing"),
        ("yes", '"yes"'),
        ("null", '"null"'),
        ("123", '"123"'),
        ("1_000", '"1_000"'),
        ("a: b", '"a: b"'),
        ("a #b", '"a #b"'),
        (" lead", '" lead"'),
        ("[x]", '"[x]"'),
        ("", '""'),
        ("two\nlines", '"two\\nlines"'),
        ('say "hi"', 'say "hi"'),
    ],
)
def test_yaml_value_plain_only_when_it_reads_back(value, written):
    assert yaml_value(value) == written


def test_rendered_page_reads_back_for_awkward_titles():
    for title in ["a: b", "'quoted'", "x\u2028y", "--- not a fence", "{{ page.title }}", "&anchor", "*alias"]:
        text = render_category_page("kejiribao", title)
        assert yaml.safe_load(text.split("---\n")[1]) == {"layout": "category", "title": title, "category": "kejiribao"}


def test_existing_identical_page_is_left_untouched(site):
    (site / "category").mkdir()
    page = site / "category" / "kejiribao.html"
    page.write_text(KEJIRIBAO_PAGE, "utf-8")
    before = page.stat()

    result = write_category_pages(site)

    assert (result.pages_written, result.pages_unchanged) == (8, 1)
    after = page.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_stale_page_is_rewritten(site):
    (site / "category").mkdir()
    page = site / "category" / "kejiribao.html"
    page.write_text("---\nlayout: category\ntitle: old\ncategory: kejiribao\n---\n", "utf-8")
    write_category_pages(site)
    assert page.read_text("utf-8") == KEJIRIBAO_PAGE
    assert not [p for p in (site / "category").iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("slug", ["../evil", ".hidden", "a/b", "a b", "x" * 101])
def test_unsafe_slug_gets_no_page(site, slug, caplog):
    name = "2022-01-11-NW202201112243997097.md"
    (site / "_posts" / name).write_bytes(
        with_front_matter_line(name, "categories: kejiribao", f"categories: {yaml.dump(slug, default_style=chr(34)).strip()}")
    )

    with caplog.at_level(logging.WARNING):
        result = write_category_pages(site)

    assert result.skipped == 1 and result.pages_written == 8
    assert names(site / "category") == {f"{s}.html" for s in CATEGORY_TITLES if s != "kejiribao"}
    assert names(site) == {"_posts", "old_post", "category"}
    assert not (site.parent / "evil.html").exists()
    assert any(repr(slug) in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)


def test_page_symlinked_out_of_the_site_is_not_written_through(site, tmp_path):
    outside = tmp_path / "outside.html"
    outside.write_text("not yours", "utf-8")
    (site / "category").mkdir()
    (site / "category" / "kejiribao.html").symlink_to(outside)

    result = write_category_pages(site)

    assert result.skipped == 1
    assert outside.read_text("utf-8") == "not yours"
    assert (site / "category" / "kejiribao.html").is_symlink()


def test_broken_front_matter_is_skipped_and_left_alone(site, caplog):
    name = "2022-01-11-NW202201112243997097.md"
    broken = with_front_matter_line(name, "categories: kejiribao", "categories: [kejiribao")
    (site / "_posts" / name).write_bytes(broken)

    with caplog.at_level(logging.WARNING):
        result = write_category_pages(site)

    assert result.skipped == 1
    assert not (site / "category" / "kejiribao.html").exists()
    assert (site / "_posts" / name).read_bytes() == broken
    assert (site / "category" / "zhongguozhengquanbao·zhongzhengwang.html").read_text("utf-8") == ZHONGZHENGWANG_PAGE


# --- both, twice --------------------------------------------------------------------------------


def test_second_run_changes_nothing(site):
    first_archive = archive_old_posts(site, 30, now=NOW)
    first_pages = write_category_pages(site)
    assert (first_archive.moved, first_pages.pages_written) == (5, 9)
    before = snapshot(site)

    second_archive = archive_old_posts(site, 30, now=NOW)
    second_pages = write_category_pages(site)

    assert second_archive == ArchiveResult()
    assert second_pages == CategoryResult(pages_written=0, pages_unchanged=9, skipped=0)
    assert snapshot(site) == before
