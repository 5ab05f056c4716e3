"""Public Eastmoney article pages over real HTTP: the design §3 layout and its boilerplate.

Expected titles, dates, sources and paragraph texts come from the post files; the boilerplate
strings are the design's own.
"""

import re

import lxml.html
import pytest

from .fetch import EASTMONEY, STOCK, body_before_footer, get, get_html, post_file, read_post, squash

DISCLAIMER = "郑重声明：东方财富发布此内容旨在传播更多信息，与本站立场无关，不构成投资建议。据此操作，风险自担。"


def article_page(server, digits, host=EASTMONEY):
    return get_html(server.mirrors()[host] + f"/a/{digits}.html")


def visible_texts(html):
    """Texts of the paragraphs a reader sees in a post body (hidden and empty ones skipped)."""
    out = []
    for el in lxml.html.fragments_fromstring(html):
        for p in el.iter("p"):
            if "display:none" in (p.get("style") or "") or not squash(p.text_content()):
                continue
            out.append(squash(p.text_content()))
    return out


def test_seed_page_head_and_topbox(sandbox):
    root = article_page(sandbox, "202201112243997097")
    assert root.findtext(".//title") == "向实而行 科技大厂的数字技术“上山下乡”_东方财富网"
    assert root.xpath('string(//meta[@name="description"]/@content)') == "一些微小但深刻的变化正在发生。"
    (topbox,) = root.xpath('//div[@id="topbox"]')
    assert topbox.xpath('string(.//div[@class="title"])') == "向实而行 科技大厂的数字技术“上山下乡”"
    items = [squash(i.text_content()) for i in topbox.xpath('.//div[@class="infos"]/div[@class="item"]')]
    assert items == ["2022年01月11日 21:48", "来源：科技日报"]
    (source,) = topbox.xpath('.//div[@class="item"]/a')
    assert source.text == "科技日报"


def test_seed_content_body(sandbox, corpus_dir):
    _, body = read_post(corpus_dir / "seed" / "2022-01-11-NW202201112243997097.md")
    root = article_page(sandbox, "202201112243997097")
    (content,) = root.xpath('//div[@id="ContentBody"]')
    assert content.get("class") == "txtinfos"
    children = list(content)
    # ad block first, then the promotional paragraph, then the article
    assert children[0].tag == "div" and children[0].get("class") == "em_ad"
    assert "广告" in lxml.html.tostring(children[0], encoding="unicode")
    assert children[1].tag == "p" and children[1].get("class") == "em_promo"
    assert children[1].text_content().startswith("东方财富APP：")
    # then the article's paragraphs in order, their text unchanged by the quote links
    article = [squash(p.text_content()) for p in children[2:] if p.tag == "p" and not p.get("class")]
    em_media = content.xpath('./p[@class="em_media"]')
    assert [squash(p.text_content()) for p in em_media] == ["（文章来源：科技日报）"]
    expected = visible_texts(body_before_footer(body))
    assert expected[-1] == "（文章来源：科技日报）"
    assert article == expected[:-1]
    # and the closing boilerplate
    assert squash(content.xpath('string(./p[@class="res-edit"])')) == "（责任编辑：DF358）"
    assert squash(content.xpath('string(./div[@class="b-review"])')) == DISCLAIMER
    assert children[-1].get("class") == "b-review" and children[-2].get("class") == "res-edit"


def test_stock_names_become_quote_links(sandbox):
    root = article_page(sandbox, "202202112274017262")  # 潍柴动力 in the text
    (span,) = root.xpath('//div[@id="ContentBody"]//span[@id="stock_0.000338"]')
    (link,) = span.findall("a")
    assert link.get("href") == "http://quote.eastmoney.com/unify/r/0.000338" and link.text == "潍柴动力"
    para = span.getparent()
    assert squash(para.text_content()).startswith("潍柴动力(000338.SZ)2月11日在投资者互动平台表示")
    # the chart widgets and the hidden paragraph of the post are kept as they are
    content = root.xpath('//div[@id="ContentBody"]')[0]
    assert len(content.xpath('.//a[@class="EmImageRemark"]')) == 2
    assert content.xpath('.//p[contains(@style, "display:none")]')


def test_author_on_every_third_article(sandbox):
    # 202203072299232330 is divisible by 3, 202201072239307540 is not (same outlet)
    with_author = article_page(sandbox, "202203072299232330")
    items = [squash(i.text_content()) for i in with_author.xpath('//div[@class="infos"]/div[@class="item"]')]
    assert items[:2] == ["2022年03月07日 16:22", "来源：券商中国"]
    assert len(items) == 3 and items[2].startswith("作者：") and len(items[2]) > len("作者：")
    without = article_page(sandbox, "202201072239307540")
    items = [squash(i.text_content()) for i in without.xpath('//div[@class="infos"]/div[@class="item"]')]
    assert items == ["2022年01月07日 08:14", "来源：券商中国"]


def test_every_share_article_has_a_page(sandbox, corpus_dir):
    for path in sorted((corpus_dir / "finews_posts").glob("*/*-NW*.md")):
        meta, body = read_post(path)
        root = article_page(sandbox, path.stem[13:])
        assert root.xpath('string(//div[@id="topbox"]/div[@class="title"])') == meta["title"], path.name
        stamp = re.match(r"(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d)", str(meta["date"]))
        date_item = root.xpath('string(//div[@class="infos"]/div[@class="item"][1])')
        assert date_item == "{}年{}月{}日 {}:{}".format(*stamp.groups()), path.name
        media = re.search(r"（文章来源：(.+?)）", body).group(1)
        assert root.xpath('string(//div[@class="infos"]/div[@class="item"][2])') == f"来源：{media}"
        content = squash(root.xpath('string(//div[@id="ContentBody"])'))
        for text in visible_texts(body_before_footer(body)):
            assert text in content, (path.name, text)


@pytest.mark.parametrize(
    "host, path, digest, time",
    [
        (EASTMONEY, "/news/11060,202112082206672930.html", "离岸人民币兑美元升至6.3512，为2018年以来最高水平。", "2021年12月08日 10:46"),
        (EASTMONEY, "/news/1344,202112082206928461.html",
         "“股王”茅台重回2000元关口！酿酒板块多股大涨，北上资金半天“扫货”A股近60亿，大行情要来？", "2021年12月08日 12:41"),
        (STOCK, "/news/1611,202112082206703990.html", None, "2021年12月08日 10:18"),
    ],
)
def test_digest_pages(sandbox, corpus_dir, host, path, digest, time):
    code = path[-23:-5]
    meta, body = read_post(post_file(corpus_dir, f"2021-12-08-{code}.md"))
    expected = digest or squash(body_before_footer(body))
    root = get_html(sandbox.mirrors()[host] + path)
    assert root.findtext(".//title") == meta["title"] + "_东方财富网"
    assert root.xpath('string(//div[@id="topbox"]/div[@class="title"])') == meta["title"]
    items = [squash(i.text_content()) for i in root.xpath('//div[@class="infos"]/div[@class="item"]')]
    assert items[:2] == [time, "来源：东方财富网"]
    content = root.xpath('//div[@id="ContentBody"]')[0]
    texts = [squash(p.text_content()) for p in content.findall("p") if not p.get("class")]
    assert texts == [expected]
    # the same article under its /a/ address
    assert article_page(sandbox, code).xpath('string(//div[@class="title"])') == meta["title"]


@pytest.mark.parametrize(
    "path",
    [
        "/finance.eastmoney.com/a/202201112243997098.html",
        "/finance.eastmoney.com/a/NW202201112243997097.html",
        "/finance.eastmoney.com/a/2022011122439970.html",
        "/finance.eastmoney.com/news/11060,202112082206672931.html",
        "/finance.eastmoney.com/",
        "/stock.eastmoney.com/a/000000000000000000.html",
    ],
)
def test_unknown_public_pages_are_404(sandbox, path):
    assert get(sandbox.base_url + path)[0] == 404
