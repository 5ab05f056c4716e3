"""The share API reader's fragment parse against lxml.html's ``fragment_fromstring``, the way it
read the body before: the same paragraphs and source line for every real, synthetic, odd and
randomly broken fragment."""

import random

import pytest
from lxml import html as lxml_html

from crawler.pages import eastmoney
from crawler.pages.eastmoney import ShareApiText
from crawler.pages.html import visible_blocks, visible_blocks_html
from sandbox.articles import Article
from sandbox.synthetic import synthetic_posts

ODD = [
    "", "text only", "lead text<p>a</p>tail", "<p>x</p></div><p>after a stray close</p>", "</body><p>y</p>",
    "<body><p>b</p></body>", "<html><body><p>whole document</p></body></html>", "<!doctype html><p>d</p>",
    "<p style='display:none'>hidden</p><p>v</p>", "<!-- c --><p>k</p>", "<p>a<p>b", "<table><tr><td>t</td></tr></table>",
    "<img src='x.png'>", "<p class='em_media'>（文章来源：科技日报）</p>", "<head><title>t</title></head><p>z</p>",
    "<frameset><frame></frameset>", "<p>\u3000</p><p>&nbsp;</p>", "<script>alert(1)</script><p>s</p>",
    "<![CDATA[x]]><p>c</p>", "<p>a</p>\n<p>b</p>", "<p>{{ site.time }}</p>", "<p onclick='x()'>on</p>",
]
PIECES = ["<p>", "</p>", "<div>", "</div>", "<span>", "</body>", "<body>", "</html>", "<html>", "<br>", "text", "中文",
          "<!--", "-->", "<b>", "&amp;", "<p class='em_media'>", "<img src='i.png'>", "<!-- EM_StockImg_Start -->",
          "<!-- EM_StockImg_End -->"]


def reference(fragment: str):
    root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    return eastmoney._body_and_source(list(visible_blocks(root.iterchildren())))


def ours(fragment: str):
    return eastmoney._body_and_source_html(visible_blocks_html(eastmoney._fragment_parent(fragment).iterchildren()))


@pytest.fixture(scope="module")
def fragments(corpus_posts):
    posts = list(corpus_posts) + synthetic_posts(100, seed=4, base=corpus_posts)
    real = [html for html in (Article(p).html for p in posts) if html]
    assert len(real) >= 100
    rng = random.Random(11)
    fuzz = ["".join(rng.choice(PIECES + ODD) for _ in range(rng.randrange(14))) for _ in range(1500)]
    return real + ODD + fuzz


def test_fragment_parse_reads_what_lxml_html_reads(fragments):
    for fragment in fragments:
        try:
            expected = reference(fragment)
        except Exception as exc:  # lxml.html refusing a fragment: ours must refuse it too
            with pytest.raises(type(exc)):
                ours(fragment)
            continue
        assert ours(fragment) == expected, fragment


def test_share_api_text_uses_it():
    api = ShareApiText('{"text": "<p>一段</p><p class=\\"em_media\\">（文章来源：科技日报）</p>"}', "http://x/y")
    assert api.body() == ["一段"] and api.source_raw() == "（文章来源：科技日报）"
