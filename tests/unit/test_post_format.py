"""The post writer's format, checked against hand-written expectations and the real seed post."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import yaml

from crawler.items import ArticleItem
from pipelines.post_format import post_filename, render_post, yaml_string

SH = ZoneInfo("Asia/Shanghai")


def make_item(**kw):
    base = dict(
        info_code="NW202201112243997097",
        url="https://finews.withounder.com/kejiribao/2022/01/11/NW202201112243997097.html",
        share_url="http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW202201112243997097",
        title="向实而行 科技大厂的数字技术“上山下乡”",
        published_at=dt.datetime(2022, 1, 11, 21, 48, 28, tzinfo=SH),
        body=["一些微小但深刻的变化正在发生。", "<strong>加粗</strong>"],
        source="科技日报",
        category="kejiribao",
        tags=["科技日报新闻"],
    )
    base.update(kw)
    return ArticleItem(**base)


def test_render_matches_the_hand_written_format():
    expected = (
        "---\n"
        "layout: post\n"
        'title: "向实而行 科技大厂的数字技术“上山下乡”"\n'
        "date: 2022-01-11 21:48:28 +0800\n"
        "categories: kejiribao\n"
        "tags: 科技日报新闻\n"
        "---\n"
        "<p>一些微小但深刻的变化正在发生。</p>\n"
        "<p><strong>加粗</strong></p>\n"
        '<p class="em_media">（文章来源：科技日报）</p>\n'
        "\n"
        "<http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW202201112243997097>\n"
        "\n"
        "[返回科技日报新闻](//finews.withounder.com/category/kejiribao.html)｜[返回首页](//finews.withounder.com/)"
    )
    assert render_post(make_item(), site_host="finews.withounder.com") == expected


def test_file_name_uses_the_shanghai_date():
    # 2022-01-11 17:00 UTC is already the 12th in Shanghai.
    item = make_item(published_at=dt.datetime(2022, 1, 11, 17, 0, tzinfo=dt.timezone.utc))
    assert post_filename(item) == "2022-01-12-NW202201112243997097.md"


@pytest.mark.parametrize(
    "title",
    [
        'He said "hi"',
        "key: value: more",
        "back\\slash \\n not a newline",
        "two\nlines",
        "{{ site.title }} and {% include x.html %}",
        "- looks like a list",
        "# not a comment",
        "'single' quotes & <b>tags</b>",
        "tab\there and trailing space ",
        "\u2028line separator and NUL\x00byte",
        "yes",
        "2022-01-11",
    ],
)
def test_any_title_round_trips_through_the_front_matter(title):
    text = render_post(make_item(title=title), site_host="finews.withounder.com")
    front = text.split("\n---\n", 1)[0][4:]
    assert yaml.safe_load(front)["title"] == title
    # the title stays on its own single line
    assert len([line for line in front.split("\n") if line.startswith("title:")]) == 1
    assert yaml_string(title).count("\n") == 0


def test_body_cannot_run_liquid():
    item = make_item(body=["{{ site.time }} and {% include evil.html %}"], source="{{ x }}")
    text = render_post(item, site_host="finews.withounder.com")
    body = text.split("\n---\n", 1)[1]
    assert "{{" not in body and "{%" not in body
    assert "<p>&#123;&#123; site.time }} and &#123;% include evil.html %}</p>" in body


def test_digest_post_format_matches_the_archived_emnews_post():
    item = make_item(
        info_code="202112082206703990",
        title="FF：有充足的现金支持到FF 91完成投产",
        published_at=dt.datetime(2021, 12, 8, 10, 18, 31, tzinfo=SH),
        body=[],
        digest="Faraday Future (FF)于今日举办的线上投资者沟通交流会上。",
        url="http://stock.eastmoney.com/news/1611,202112082206703990.html",
        share_url=None,
        source=None,
        category="emnews",
        tags=["东财滚动新闻"],
    )
    expected = (
        "---\nlayout: post\n"
        'title: "FF：有充足的现金支持到FF 91完成投产"\n'
        "date: 2021-12-08 10:18:31 +0800\ncategories: emnews\ntags: 东财滚动新闻\n---\n"
        "\nFaraday Future (FF)于今日举办的线上投资者沟通交流会上。\n"
        "\n<http://stock.eastmoney.com/news/1611,202112082206703990.html>"
    )
    assert render_post(item, site_host="finews.withounder.com") == expected


def test_slug_like_tags_stay_plain_and_odd_ones_are_quoted():
    text = render_post(make_item(tags=["证券时报·e公司新闻"]), site_host="h")
    assert "\ntags: 证券时报·e公司新闻\n" in text
    text = render_post(make_item(tags=["a: b"]), site_host="h")
    assert '\ntags: "a: b"\n' in text
