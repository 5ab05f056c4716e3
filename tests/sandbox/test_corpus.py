"""Reading the corpus the way Jekyll 4 does: exact raw dates, UTC for offset-less dates, URLs."""

from datetime import datetime, timedelta, timezone

import pytest

from sandbox.corpus import default_corpus_dir, jekyll_escape_path, load_posts, parse_jekyll_date

CST = timezone(timedelta(hours=8))


def by_code(posts, code):
    (post,) = [p for p in posts if p.info_code == code]
    return post


def test_loads_both_folders_not_seed(corpus_posts):
    assert len(corpus_posts) == 30
    assert {p.folder for p in corpus_posts} == {"_posts", "old_post"}
    assert sum(p.folder == "_posts" for p in corpus_posts) == 2
    assert len({p.info_code for p in corpus_posts}) == 30


def test_post_with_offset(corpus_posts):
    post = by_code(corpus_posts, "NW202201112243997097")
    assert post.title == "向实而行 科技大厂的数字技术“上山下乡”"
    assert post.date_raw == "2022-01-11 21:48:28 +0800"
    assert post.published == datetime(2022, 1, 11, 21, 48, 28, tzinfo=CST)
    assert post.local_time.strftime("%Y-%m-%d %H:%M:%S %z") == "2022-01-11 21:48:28 +0800"
    assert post.category == "kejiribao" and post.tags == ["科技日报新闻"]
    assert post.folder == "old_post"
    assert post.body.startswith("<p>一些微小但深刻的变化正在发生。</p>\n <p>1月5日")
    assert post.body.endswith("[返回首页](//finews.withounder.com/)")
    assert post.url_path == "/kejiribao/2022/01/11/NW202201112243997097.html"
    assert post.url == "https://finews.withounder.com/kejiribao/2022/01/11/NW202201112243997097.html"


def test_offsetless_date_is_utc(corpus_posts):
    post = by_code(corpus_posts, "202112082206672930")
    assert post.date_raw == "2021-12-08 10:46:18"
    assert post.published == datetime(2021, 12, 8, 10, 46, 18, tzinfo=timezone.utc)
    assert post.local_time.strftime("%Y-%m-%d %H:%M:%S") == "2021-12-08 18:46:18"
    assert post.folder == "_posts" and post.category == "emnews"
    assert post.body.startswith("\n离岸人民币兑美元升至6.3512")


def test_middle_dot_category_is_percent_encoded(corpus_posts):
    post = by_code(corpus_posts, "NW202203172312490456")
    assert post.category == "zhongguozhengquanbao·zhongzhengwang"
    assert post.url_path == "/zhongguozhengquanbao%C2%B7zhongzhengwang/2022/03/17/NW202203172312490456.html"


def test_jekyll_dates_and_escaping():
    assert parse_jekyll_date("2022-01-11 21:48:28 +08:00") == datetime(2022, 1, 11, 21, 48, 28, tzinfo=CST)
    assert parse_jekyll_date("2022-01-11T13:48:28Z") == datetime(2022, 1, 11, 21, 48, 28, tzinfo=CST)
    assert parse_jekyll_date("2022-01-11") == datetime(2022, 1, 11, tzinfo=CST)
    with pytest.raises(ValueError):
        parse_jekyll_date("yesterday")
    assert jekyll_escape_path("/a b/c·d/e(1).html") == "/a%20b/c%C2%B7d/e(1).html"


def test_corpus_dir_override(monkeypatch, corpus_dir, tmp_path):
    monkeypatch.setenv("FINEWS_CORPUS_DIR", str(tmp_path))
    assert default_corpus_dir() == tmp_path
    with pytest.raises(FileNotFoundError):
        load_posts()
    assert len(load_posts(corpus_dir / "finews_posts")) == 30
