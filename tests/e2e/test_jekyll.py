"""The real consumer: ``jekyll build`` (the Debian package, offline, no plugins) on a site the
crawler wrote from the whole sandbox plus a hostile article.

The build must succeed, every post must be published at its permalink, and nothing scraped may
act: no Liquid executed, no script, event handler or ``javascript:`` URL in the generated HTML.

The layouts print the title with ``{{ page.title | escape }}``. That filter is needed: the
crawler makes the title safe for YAML, but it stays plain text (``<`` included), and Jekyll does
not escape ``{{ page.title }}`` by itself. A site whose layout prints the bare title would turn a
``<script>`` in a scraped title into a real one.
"""

import os
import re
import shutil
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from urllib.parse import unquote

import pytest
import yaml
from bs4 import BeautifulSoup

from sandbox import Post, SandboxServer
from tests.crawling import ROOT, run_crawl

HOSTILE_CODE = "NW202201119999999998"
HOSTILE_TITLE = '<script>alert("t")</script> {{ site.time }} {% include x %} <img src=x onerror=alert(1)> [a](javascript:alert(2))'
HOSTILE_BODY = (
    "<p>Liquid here: {{ site.time }} and {% include x %} and {{ page.title }}</p>\n"
    '<p onclick="alert(1)">click <a href="javascript:alert(2)">me</a><script>alert(3)</script></p>\n'
    '<p><img src="http://finews.example/x.png" onerror="alert(4)"><a href=" JaVaScRiPt:alert(5)">two</a> ok</p>\n'
    '<p class="em_media">（文章来源：科技日报）</p>\n\n'
    f"<http://finews.zning.xyz/html_News/NewsShare.html?infoCode={HOSTILE_CODE}>\n\n"
    "[返回科技日报新闻](//finews.withounder.com/category/kejiribao.html)｜[返回首页](//finews.withounder.com/)"
)

CONFIG = """\
title: finews
timezone: Asia/Shanghai
permalink: /:categories/:year/:month/:day/:title.html
"""
POST_LAYOUT = """\
<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{{ page.title | escape }}</title></head>
<body><section>
<small>{{ page.date | date: "%Y-%m-%d %H:%M:%S" }}</small>
<h1>{{ page.title | escape }}</h1>
{{ content }}
<small>tags: {% for tag in page.tags %}<em>{{ tag | escape }}</em> {% endfor %}</small>
</section></body></html>
"""
CATEGORY_LAYOUT = """\
<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{{ page.title | escape }}</title></head>
<body><h2>{{ page.title | escape }}</h2><ul>
{% for post in site.categories[page.category] %}<li><a href="{{ post.url }}">{{ post.title | escape }}</a></li>
{% endfor %}</ul></body></html>
"""


@pytest.fixture(scope="module")
def jekyll():
    path = shutil.which("jekyll")
    if path is None:
        pytest.fail("jekyll is not installed: apt-get install jekyll (.ci/run installs it)")
    return path


@pytest.fixture
def hostile_site(corpus_dir):
    post = Post(
        info_code=HOSTILE_CODE,
        title=HOSTILE_TITLE,
        date_raw="2022-01-11 23:30:00 +0800",
        category="kejiribao",
        tags=["科技日报新闻"],
        body=HOSTILE_BODY,
    )
    with SandboxServer(corpus_dir=corpus_dir, extra_posts=[post]) as server:
        yield server


def front_matter(path):
    return yaml.safe_load(path.read_text("utf-8").split("\n---\n", 1)[0].removeprefix("---\n"))


def test_jekyll_builds_the_crawled_site_safely(jekyll, hostile_site, tmp_path):
    result = run_crawl("finews", sandbox=hostile_site, workdir=tmp_path)
    assert result.returncode == 0, result.log[-3000:]
    site = result.site_dir
    served = {p.info_code for p in hostile_site.posts}
    posts = result.posts()
    assert {name[11:-3] for name in posts} == served  # every article of every category, once

    upkeep = subprocess.run(
        [sys.executable, "-m", "scrapy", "upkeep", "--no-archive", "-s", f"SITE_DIR={site}"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert upkeep.returncode == 0, upkeep.stderr[-3000:]

    # the site owner's part: config and layouts (no plugins, no Gemfile)
    (site / "_config.yml").write_text(CONFIG, "utf-8")
    (site / "_layouts").mkdir()
    (site / "_layouts" / "post.html").write_text(POST_LAYOUT, "utf-8")
    (site / "_layouts" / "category.html").write_text(CATEGORY_LAYOUT, "utf-8")
    # what a writer killed before its rename leaves: a whole post under a temp name, never published
    leftover = posts[f"2022-01-11-{HOSTILE_CODE}.md"].read_text("utf-8").replace(HOSTILE_CODE, "NW202201110000000001")
    (site / "_posts" / ".2022-01-11-NW202201110000000001.md.4242.k1ll3d00.tmp").write_text(leftover, "utf-8")

    build_started = datetime.now(timezone.utc)
    build = subprocess.run(
        [jekyll, "build", "--safe", "--source", str(site), "--destination", str(tmp_path / "_site")],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
        env=dict(os.environ, JEKYLL_ENV="production", LC_ALL="C.UTF-8"),
    )
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    out = tmp_path / "_site"

    # every post at its permalink /:categories/:year/:month/:day/:title.html, with its title
    pages = {}
    for name, path in posts.items():
        fm = front_matter(path)
        day = name[:10].replace("-", "/")
        page = out / fm["categories"] / day / f"{name[11:-3]}.html"
        assert page.is_file(), f"{name}: no page at {page.relative_to(out)}"
        soup = BeautifulSoup(page.read_text("utf-8"), "html.parser")
        assert soup.h1.get_text() == fm["title"]
        pages[name[11:-3]] = page
    assert not any(out.rglob("NW202201110000000001*")), "a temp file was published"

    # category pages (from `scrapy upkeep`) list exactly their posts
    categories = {front_matter(p)["categories"] for p in posts.values()}
    assert len(categories) > 20
    for slug in categories:
        page = out / "category" / f"{slug}.html"
        links = {unquote(a["href"]) for a in BeautifulSoup(page.read_text("utf-8"), "html.parser").find_all("a")}
        want = {"/" + pages[n[11:-3]].relative_to(out).as_posix() for n, p in posts.items() if front_matter(p)["categories"] == slug}
        assert links == want, slug

    # no Liquid from scraped text ran: it is shown literally, the build time appears nowhere
    hostile = BeautifulSoup(pages[HOSTILE_CODE].read_text("utf-8"), "html.parser")
    text = hostile.get_text()
    assert "Liquid here: {{ site.time }} and {% include x %} and {{ page.title }}" in text
    assert hostile.h1.get_text() == HOSTILE_TITLE
    build_days = {(build_started + timedelta(hours=h)).strftime("%Y-%m-%d") for h in (-1, 0, 8, 9)}
    for html in out.rglob("*.html"):
        raw = html.read_text("utf-8")
        assert not any(day in raw for day in build_days), f"{html}: a build-time date was rendered"

        # no script, handler or javascript: URL reaches any generated page
        soup = BeautifulSoup(raw, "html.parser")
        assert "<script" not in raw.lower() and soup.find("script") is None, html
        for tag in soup.find_all(True):
            for attr, value in tag.attrs.items():
                assert not attr.lower().startswith("on"), (html, tag)
                values = value if isinstance(value, list) else [value]
                assert not any(re.match(r"\s*javascript:", v, re.I) for v in values), (html, tag)
    # the hostile article's harmless parts survived
    assert "click me" in text and "two ok" in text
    assert hostile.find("img", src="http://finews.example/x.png") is not None
