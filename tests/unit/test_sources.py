"""The outlet registry: its slugs must name the live site's categories, and a broken edit must
stop the crawler with one line that says what to fix.

Expected slugs come from the corpus posts (category, tag and （文章来源：X） line of each post) or
are written out here by hand; none is computed with the code under test.
"""

import os
import re
import textwrap

import pytest

from crawler.sources import (
    SLUG_PATTERN,
    Source,
    SourcesError,
    by_media_name,
    by_slug,
    load_sources,
    slugify,
)

_CATEGORY = re.compile(r"^categories:\s*(\S+)\s*$", re.M)
_TAG = re.compile(r"^tags:\s*(\S+)\s*$", re.M)
_MEDIA = re.compile(r"（文章来源：(.+?)）")


@pytest.fixture(scope="module")
def sources():
    return load_sources()


@pytest.fixture(scope="module")
def corpus_outlets(corpus_dir):
    """(category, tag, media name) of every old_post article that names its source."""
    found = []
    for path in sorted((corpus_dir / "finews_posts" / "old_post").glob("*.md")):
        text = path.read_text(encoding="utf-8")
        media = _MEDIA.search(text)
        if media:
            found.append((_CATEGORY.search(text)[1], _TAG.search(text)[1], media[1], path.name))
    assert len(found) >= 20, "the corpus should hold about 26 outlet posts"
    return found


@pytest.fixture(scope="module")
def corpus_categories(corpus_dir):
    cats = set()
    for path in (corpus_dir / "finews_posts").glob("*/*.md"):
        m = _CATEGORY.search(path.read_text(encoding="utf-8"))
        if m:
            cats.add(m[1])
    return cats


# ── slugify ──────────────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    "name, slug",
    [
        ("21财经", "21caijing"),
        ("证券时报·e公司", "zhengquanshibao·egongsi"),
        ("安信国际证券(香港)", "anxinguojizhengquan(xianggang)"),
        ("安信国际证券（香港）", "anxinguojizhengquan(xianggang)"),
        ("Wind资讯", "Windzixun"),
        ("36氪", "36ke"),
        ("e公司", "egongsi"),
        ("科技日报", "kejiribao"),
        (" 科技 日报\u3000", "kejiribao"),
        ("中国证券报·中证网", "zhongguozhengquanbao·zhongzhengwang"),
    ],
)
def test_slugify_hand_written_pairs(name, slug):
    assert slugify(name) == slug


def test_slugify_reproduces_every_corpus_category(corpus_outlets):
    # The live site generated these slugs from the media names; the generator must agree.
    for category, _tag, media, post in corpus_outlets:
        assert slugify(media) == category, post


# ── the registry against the corpus and the live site ───────────────────────────────────────────


def test_every_corpus_post_maps_to_its_category(sources, corpus_outlets):
    for category, tag, media, post in corpus_outlets:
        source = by_media_name(sources, media)
        assert source is not None, f"{post}: no outlet for media name {media!r}"
        assert source.slug == category, post
        assert source.tag == tag, post


def test_registry_covers_every_corpus_category_but_the_digest(sources, corpus_categories):
    slugs = {s.slug for s in sources}
    assert "emnews" in corpus_categories
    assert corpus_categories - {"emnews"} <= slugs
    assert "emnews" not in slugs


@pytest.mark.parametrize(
    "slug, name",
    [
        ("21caijing", "21财经"),
        ("zhongguozhengquanbao·zhongzhengwang", "中国证券报·中证网"),
        ("zhengquanshibao·egongsi", "证券时报·e公司"),
        ("36ke", "36氪"),
        ("Windzixun", "Wind资讯"),
        ("anxinguojizhengquan(xianggang)", "安信国际证券(香港)"),
    ],
)
def test_live_site_categories_present(sources, slug, name):
    source = by_slug(sources, slug)
    assert source is not None and source.name == name


def test_egongsi_is_not_the_securities_times_column(sources):
    assert by_media_name(sources, "e公司").slug == "egongsi"
    assert by_media_name(sources, "证券时报·e公司").slug == "zhengquanshibao·egongsi"
    assert by_media_name(sources, "证券时报网").slug == "zhengquanshibaowang"


# Slugs of the outlets that are not (yet) in the corpus, typed by hand: a pypinyin upgrade that
# changes a generated slug, or an edit that drops an explicit one, shows up here.
HAND_SLUGS = {
    "新华社": "xinhuashe",
    "人民日报": "renminribao",
    "人民网": "renminwang",
    "央视新闻": "yangshixinwen",
    "央视财经": "yangshicaijing",
    "央广网": "yangguangwang",
    "中国新闻网": "zhongguoxinwenwang",
    "中新经纬": "zhongxinjingwei",
    "中国经济网": "zhongguojingjiwang",
    "经济日报": "jingjiribao",
    "证券日报": "zhengquanribao",
    "上海证券报·中国证券网": "shanghaizhengquanbao·zhongguozhengquanwang",
    "第一财经": "diyicaijing",
    "21世纪经济报道": "21shijijingjibaodao",
    "财新网": "caixinwang",
    "经济观察报": "jingjiguanchabao",
    "中国经营报": "zhongguojingyingbao",
    "北京商报": "beijingshangbao",
    "新京报": "xinjingbao",
    "澎湃新闻": "pengpaixinwen",
    "红星新闻": "hongxingxinwen",
    "上游新闻": "shangyouxinwen",
    "金融时报": "jinrongshibao",
    "中国银行保险报": "zhongguoyinhangbaoxianbao",
    "期货日报": "qihuoribao",
    "科创板日报": "kechuangbanribao",
    "格隆汇": "gelonghui",
    "智通财经": "zhitongcaijing",
    "证券市场周刊": "zhengquanshichangzhoukan",
    "证券之星": "zhengquanzhixing",
    "经济参考报": "jingjicankaobao",
    "中国会计报": "zhongguokuaijibao",
    "长江商报": "changjiangshangbao",
    "重庆商报": "chongqingshangbao",
    "南方都市报": "nanfangdushibao",
    "和讯网": "hexunwang",
    "东方财富网": "dongfangcaifuwang",
    "新浪财经": "xinlangcaijing",
    "华尔街见闻": "huaerjiejianwen",
    "时代周报": "shidaizhoubao",
    "理财周报": "licaizhoubao",
    "蓝鲸财经": "lanjingcaijing",
}


@pytest.mark.parametrize("name, slug", sorted(HAND_SLUGS.items()))
def test_further_outlets_have_the_expected_slug(sources, name, slug):
    source = by_media_name(sources, name)
    assert source is not None and source.slug == slug


def test_registry_size_and_slug_safety(sources):
    assert len(sources) >= 45
    slugs = [s.slug for s in sources]
    assert len(set(slugs)) == len(slugs)
    for slug in slugs:
        assert SLUG_PATTERN.fullmatch(slug), slug
    names = [n for s in sources for n in s.media_names]
    assert len(set(names)) == len(names)


def test_registry_defaults(sources):
    kejiribao = by_slug(sources, "kejiribao")
    assert kejiribao == Source(
        name="科技日报",
        slug="kejiribao",
        tag="科技日报新闻",
        listings=("https://finews.withounder.com/category/kejiribao.html",),
        aliases=(),
        selectors={},
    )
    assert kejiribao.media_names == ("科技日报",)
    assert by_slug(sources, "zhengquanshibao·egongsi").listings == (
        "https://finews.withounder.com/category/zhengquanshibao%C2%B7egongsi.html",
    )
    assert by_slug(sources, "anxinguojizhengquan(xianggang)").listings == (
        "https://finews.withounder.com/category/anxinguojizhengquan(xianggang).html",
    )


def test_lookups(sources):
    assert by_media_name(sources, "  科技日报 \n").slug == "kejiribao"
    assert by_media_name(sources, "中证报").slug == "zhongguozhengquanbao"
    assert by_media_name(sources, "安信国际证券（香港）").slug == "anxinguojizhengquan(xianggang)"
    assert by_media_name(sources, "东财滚动") is None
    assert by_media_name(sources, "科技") is None
    assert by_slug(sources, "emnews") is None
    assert by_slug(sources, "Windzixun").name == "Wind资讯"
    assert by_slug(sources, "windzixun") is None


def test_sources_are_immutable_and_hashable(sources):
    source = sources[0]
    with pytest.raises(AttributeError):
        source.slug = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        source.selectors["title_xpath"] = ".//h1"  # type: ignore[index]
    assert len(set(sources)) == len(sources)


# ── loading a file ───────────────────────────────────────────────────────────────────────────────


def write(tmp_path, body, name="sources.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(body).lstrip("\n"), encoding="utf-8")
    return path


def test_defaults_of_a_minimal_entry(tmp_path):
    path = write(tmp_path, """
        outlets:
          - name: 证券时报·e公司
          - name: 金融投资报
            tag: 投资报快讯
            listings: [https://example.org/a.html, http://example.org/b.html]
            aliases: [" 金投报 "]
            selectors: {title_xpath: ".//h1"}
    """)
    first, second = load_sources(path)
    assert first == Source(
        name="证券时报·e公司",
        slug="zhengquanshibao·egongsi",
        tag="证券时报·e公司新闻",
        listings=("https://finews.withounder.com/category/zhengquanshibao%C2%B7egongsi.html",),
        aliases=(),
        selectors={},
    )
    assert second.slug == "jinrongtouzibao"
    assert second.tag == "投资报快讯"
    assert second.listings == ("https://example.org/a.html", "http://example.org/b.html")
    assert second.media_names == ("金融投资报", "金投报")
    assert dict(second.selectors) == {"title_xpath": ".//h1"}


def test_site_default_is_used_for_listings(tmp_path):
    path = write(tmp_path, """
        defaults:
          site: http://127.0.0.1:8765/finews.withounder.com/
        outlets:
          - name: 科技日报
            listings: []
    """)
    (source,) = load_sources(path)
    assert source.listings == ("http://127.0.0.1:8765/finews.withounder.com/category/kejiribao.html",)


def test_cached_until_the_file_changes(tmp_path):
    path = write(tmp_path, "outlets:\n  - name: 科技日报\n")
    first = load_sources(path)
    assert load_sources(str(path)) is first
    path.write_text("outlets:\n  - name: 科技日报\n  - name: 财联社\n", encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    second = load_sources(path)
    assert [s.slug for s in second] == ["kejiribao", "cailianshe"]


def test_default_path_is_the_packaged_file():
    from pathlib import Path

    import crawler

    assert load_sources() == load_sources(Path(crawler.__file__).with_name("sources.yaml"))


BAD = {
    "unknown key": (
        """
        outlets:
          - name: 科技日报
            slgu: kejiribao
        """,
        ["outlet #1 (科技日报)", "unknown key 'slgu'", "slug"],
    ),
    "unknown top-level key": ("outlet:\n  - name: 科技日报\n", ["unknown key 'outlet'", "outlets"]),
    "unknown defaults key": (
        "defaults:\n  sites: https://example.org\noutlets:\n  - name: 科技日报\n",
        ["unknown key 'sites'", "site"],
    ),
    "missing name": ("outlets:\n  - slug: kejiribao\n", ["outlet #1", "missing 'name'", "文章来源"]),
    "blank name": ("outlets:\n  - name: '  '\n", ["outlet #1", "missing 'name'"]),
    "name not text": ("outlets:\n  - name: [科技日报]\n", ["outlet #1", "must be one line of text"]),
    "name on two lines": ('outlets:\n  - name: "科技\\n日报"\n', ["outlet #1:", "must be one line of text"]),
    "slug with a slash": (
        "outlets:\n  - name: 科技日报\n    slug: keji/ribao\n",
        ["outlet #1 (科技日报)", "slug 'keji/ribao'", "not a safe category slug"],
    ),
    "slug climbing up": ("outlets:\n  - name: 科技日报\n    slug: ../etc\n", ["slug '../etc'", "not starting with a dot"]),
    "slug with a space": ("outlets:\n  - name: 科技日报\n    slug: keji ribao\n", ["slug 'keji ribao'"]),
    "empty slug": ("outlets:\n  - name: 科技日报\n    slug: ''\n", ["slug ''"]),
    "slug not text": ("outlets:\n  - name: 科技日报\n    slug: [a]\n", ["slug ['a']"]),
    "unsafe generated slug": ("outlets:\n  - name: 南方+\n", ["outlet #1 (南方+)", "'nanfang+'", "explicit 'slug:'"]),
    "duplicate slug": (
        "outlets:\n  - name: 科技日报\n  - name: 科技日报社\n    slug: kejiribao\n",
        ["outlet #2 (科技日报社)", "slug 'kejiribao' is already used by outlet #1 (科技日报)"],
    ),
    "duplicate media name": (
        "outlets:\n  - name: 中国证券报\n  - name: 中证网\n    aliases: [中国证券报]\n",
        ["outlet #2 (中证网)", "'中国证券报' already belongs to outlet #1 (中国证券报)"],
    ),
    "duplicate alias across outlets": (
        "outlets:\n  - name: 中国证券报\n    aliases: [中证报]\n  - name: 中证网\n    aliases: [中证报]\n",
        ["outlet #2 (中证网)", "'中证报' already belongs to outlet #1"],
    ),
    "alias repeats the name": ("outlets:\n  - name: 中证网\n    aliases: [中证网]\n", ["alias '中证网' is given twice"]),
    "listing not http": (
        "outlets:\n  - name: 科技日报\n    listings: [ftp://example.org/a.html]\n",
        ["outlet #1 (科技日报)", "listing 'ftp://example.org/a.html' is not an http(s) URL"],
    ),
    "listing relative": (
        "outlets:\n  - name: 科技日报\n    listings: [/category/kejiribao.html]\n",
        ["listing '/category/kejiribao.html' is not an http(s) URL"],
    ),
    "listings not a list": (
        "outlets:\n  - name: 科技日报\n    listings: https://example.org/a.html\n",
        ["listings must be a list"],
    ),
    "selectors not a mapping": (
        "outlets:\n  - name: 科技日报\n    selectors: [title_xpath]\n",
        ["outlet #1 (科技日报)", "selectors must map attribute names to text"],
    ),
    "selector value not text": (
        "outlets:\n  - name: 科技日报\n    selectors: {title_xpath: 3}\n",
        ["selectors must map attribute names to text"],
    ),
    "bad site": ("defaults:\n  site: finews.withounder.com\noutlets:\n  - name: 科技日报\n", ["defaults.site", "http(s)"]),
    "key given twice": ("outlets:\n  - name: 科技日报\n    slug: a\n    slug: b\n", [":4:", "key 'slug' is given twice"]),
    "not YAML": ("outlets:\n  - name: 科技日报\n   slug: [\n", ["not valid YAML"]),
    "no outlets": ("defaults: {}\n", ["'outlets' must be a non-empty list"]),
    "entry not a mapping": ("outlets:\n  - 科技日报\n", ["outlet #1", "expected a mapping"]),
}


@pytest.mark.parametrize("body, fragments", BAD.values(), ids=BAD.keys())
def test_bad_registry_fails_with_one_line(tmp_path, body, fragments):
    path = write(tmp_path, body)
    with pytest.raises(SourcesError) as info:
        load_sources(path)
    message = str(info.value)
    assert isinstance(info.value, ValueError)
    assert "\n" not in message
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message


def test_error_points_at_the_entry_line(tmp_path):
    path = write(tmp_path, "outlets:\n  - name: 科技日报\n  # a comment\n  - name: 财联社\n    slug: a/b\n")
    with pytest.raises(SourcesError, match=r"sources\.yaml:4: outlet #2 \(财联社\)"):
        load_sources(path)


def test_missing_file(tmp_path):
    with pytest.raises(SourcesError, match="cannot read the outlet registry"):
        load_sources(tmp_path / "nope.yaml")
