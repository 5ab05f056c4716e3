"""Synthetic articles: deterministic, unique, made of real corpus pieces, served everywhere.

Checks compare against the corpus files' text (read here) and hand-written rules from the brief:
codes ``NW`` + ``yyyymmdd`` + 10 digits, times going back from 2022-06-30 a few minutes apart,
footer exactly as in the real posts.
"""

import re
import time
from datetime import datetime, timedelta, timezone

import lxml.etree
import pytest

from sandbox import SandboxServer, load_posts, synthetic_posts

from .fetch import EASTMONEY, SHARE, get, get_html, get_json, read_post

CST = timezone(timedelta(hours=8))
SEED = "NW202201112243997097"
FINEWS = "finews.withounder.com"
ATOM = "{http://www.w3.org/2005/Atom}"
BLOCK = re.compile(r"<!-- EM_StockImg_Start -->.*?<!-- EM_StockImg_End -->|<(p|center|h3)\b[^>]*>.*?</\1>", re.S)


@pytest.fixture(scope="module")
def corpus_text(corpus_dir):
    return "\n".join(p.read_text(encoding="utf-8") for p in (corpus_dir / "finews_posts").glob("*/*.md"))


@pytest.fixture(scope="module")
def seed_tail(corpus_dir):
    """The real footer: from the em_media paragraph to the end of the seed post."""
    _, body = read_post(corpus_dir / "seed" / "2022-01-11-NW202201112243997097.md")
    return body[body.index('<p class="em_media">'):]


def key(post):
    return (post.info_code, post.title, post.date_raw, post.category, post.tags, post.body, post.published)


def test_deterministic(corpus_posts):
    a = synthetic_posts(200, seed=1, base=corpus_posts)
    b = synthetic_posts(200, seed=1)
    assert [key(p) for p in a] == [key(p) for p in b]
    c = synthetic_posts(200, seed=2)
    assert not {p.info_code for p in a} & {p.info_code for p in c}
    assert [p.body for p in a] != [p.body for p in c]


def test_codes_unique_and_dated(corpus_posts):
    posts = synthetic_posts(3000)
    codes = [p.info_code for p in posts]
    assert len(set(codes)) == 3000
    assert not set(codes) & {p.info_code for p in corpus_posts}
    for post in posts:
        assert re.fullmatch(r"NW\d{18}", post.info_code)
        local = post.published.astimezone(CST)
        assert post.info_code[2:10] == f"{local:%Y%m%d}"
        assert post.date_raw == f"{local:%Y-%m-%d %H:%M:%S} +0800"
        assert post.folder is None and post.category == "kejiribao" and post.tags == ["科技日报新闻"]
    # newest first, from 2022-06-30 backwards, one to seven minutes apart; codes fall with time
    assert datetime(2022, 6, 30, 23, 57, tzinfo=CST) <= posts[0].published <= datetime(2022, 6, 30, 23, 59, tzinfo=CST)
    for newer, older in zip(posts, posts[1:]):
        assert timedelta(minutes=1) <= newer.published - older.published <= timedelta(minutes=7)
        assert int(newer.info_code[10:]) > int(older.info_code[10:]) or newer.info_code[2:10] != older.info_code[2:10]


def test_categories_and_seeds_do_not_collide():
    sets = [
        synthetic_posts(500, seed=0),
        synthetic_posts(500, seed=1),
        synthetic_posts(500, seed=0, category="renminribao", media="人民日报"),
        synthetic_posts(500, seed=0, category="zhengquanshibao"),
    ]
    codes = [p.info_code for s in sets for p in s]
    assert len(set(codes)) == len(codes)


def test_bodies_are_real_pieces_with_the_real_footer(corpus_text, seed_tail):
    posts = synthetic_posts(300, seed=7)
    noise = {"hidden": 0, "widget": 0, "image": 0}
    for post in posts:
        assert post.body.endswith(seed_tail.replace(SEED, post.info_code))
        html = post.body[: post.body.index('<p class="em_media">')]
        blocks = [m.group(0) for m in BLOCK.finditer(html)]
        assert len(blocks) >= 3
        assert re.sub(r"\s+", "", BLOCK.sub("", html)) == ""  # nothing but real blocks
        for block in blocks:
            assert block in corpus_text
        noise["hidden"] += "display:none" in html
        noise["widget"] += "<!-- EM_StockImg_Start -->" in html
        noise["image"] += "<center><img" in html
        first, _, rest = post.title.partition(" ")
        assert first and rest and first in corpus_text and rest in corpus_text
    assert all(noise.values()), noise


def test_other_media_and_category(seed_tail):
    posts = synthetic_posts(5, category="renminribao", media="人民日报")
    tail = (
        seed_tail.replace("科技日报", "人民日报").replace("kejiribao", "renminribao")
    )
    for post in posts:
        assert post.tags == ["人民日报新闻"] and post.category == "renminribao"
        assert post.body.endswith(tail.replace(SEED, post.info_code))
    custom = synthetic_posts(2, category="x", tag="某报新闻", media="某报")
    assert custom[0].tags == ["某报新闻"] and "（文章来源：某报）" in custom[0].body
    with pytest.raises(ValueError):
        synthetic_posts(3, category="nosuchoutlet")


def test_base_limits_the_pieces(corpus_dir):
    seed_only = [p for p in load_posts(corpus_dir) if p.info_code == SEED]
    seed_text = (corpus_dir / "seed" / "2022-01-11-NW202201112243997097.md").read_text(encoding="utf-8")
    for post in synthetic_posts(20, base=seed_only):
        html = post.body[: post.body.index('<p class="em_media">')]
        for block in BLOCK.finditer(html):
            assert block.group(0) in seed_text


def test_ten_thousand_are_fast():
    synthetic_posts(1)  # load the corpus once
    start = time.process_time()
    posts = synthetic_posts(10_000, seed=11)
    assert time.process_time() - start < 1.0
    assert len({p.info_code for p in posts}) == 10_000


@pytest.fixture(scope="module")
def site(corpus_dir):
    extra = synthetic_posts(30, seed=5) + synthetic_posts(12, seed=5, category="renminribao", media="人民日报")
    with SandboxServer(corpus_dir=corpus_dir, extra_posts=extra) as server:
        yield server, extra


def _links(root):
    return [a.get("href") for a in root.findall(".//section//li/a")]


def test_served_on_category_pages_home_and_feed(site):
    server, extra = site
    base = server.mirrors()[FINEWS]
    kj = [p for p in extra if p.category == "kejiribao"]
    hrefs = _links(get_html(base + "/category/kejiribao.html"))
    assert len(hrefs) == 31
    assert hrefs[0].endswith(f"/{kj[0].info_code}.html") and hrefs[-1].endswith(f"/{SEED}.html")
    local = kj[0].published.astimezone(CST)
    assert hrefs[0] == f"https://{FINEWS}/kejiribao/{local:%Y/%m/%d}/{kj[0].info_code}.html"
    rm = get_html(base + "/category/renminribao.html")
    assert rm.findtext(".//section/h2") == "人民日报新闻" and len(_links(rm)) == 12
    home = get_html(base + "/")
    h2 = [h for h in home.findall(".//section/h2") if h.text == "人民日报新闻"]
    assert len(h2) == 1 and len(h2[0].getnext()) == 5
    feed = lxml.etree.fromstring(get(base + "/feed.xml")[2])
    ids = [e.findtext(f"{ATOM}id") for e in feed.findall(f"{ATOM}entry")]
    newest = sorted(extra, key=lambda p: p.published, reverse=True)[:10]
    assert [i.rsplit("/", 1)[1] for i in ids] == [f"{p.info_code}.html" for p in newest]
    post_page = get_html(hrefs[0].replace(f"https://{FINEWS}", base))
    assert post_page.findtext(".//section/h1") == kj[0].title


def test_served_on_share_host_and_eastmoney(site):
    server, extra = site
    post = extra[-1]  # an 人民日报 one
    share = server.mirrors()[SHARE]
    assert get(share + f"/html_News/NewsShare.html?infoCode={post.info_code}")[0] == 200
    data = get_json(share + f"/NewsData/GetNewsText.do?id={post.info_code}")
    (field,) = set(data) - {"id", "title", "showTime", "mediaName"}
    expected = post.body[: post.body.index("\n\n<http")]
    assert data[field].replace("\r\n", "\n") == expected
    assert data[field].endswith('<p class="em_media">（文章来源：人民日报）</p>')
    page = get_html(server.mirrors()[EASTMONEY] + f"/a/{post.info_code[2:]}.html")
    assert page.xpath('string(//div[@id="topbox"]/div[@class="title"])') == post.title
    assert page.xpath('string(//div[@class="infos"]/div[@class="item"][2])') == "来源：人民日报"
    listing = get_json(share + "/NewsData/GetNewsList.do?column=renminribao&pageSize=100")
    assert listing["total"] == 12
    assert [r["code"] for r in listing["list"]] == [p.info_code for p in extra if p.category == "renminribao"]
