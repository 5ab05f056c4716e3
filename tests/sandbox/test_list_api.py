"""The share host's JSON list API over real HTTP: records, true publish times, order, pages.

The emnews and quanshangzhongguo expectations are written out by hand from the post files; in
particular the two ``_posts`` digests have offset-less dates, whose true (Shanghai) time is the
written one, not the 8-hours-later time Jekyll shows.
"""

import pytest

from sandbox import SandboxServer, synthetic_posts

from .fetch import SHARE, get_json

EMNEWS = [
    {
        "code": "202112082206928461",
        "showTime": "2021-12-08 12:41:23",
        "title": "“股王”茅台重回2000元关口！酿酒板块多股大涨 北上资金“扫货” 大行情要来？",
        "mediaName": "东方财富网",
        "summary": "“股王”茅台重回2000元关口！酿酒板块多股大涨，北上资金半天“扫货”A股近60亿，大行情要来？",
        "url": "http://finance.eastmoney.com/news/1344,202112082206928461.html",
    },
    {
        "code": "202112082206672930",
        "showTime": "2021-12-08 10:46:18",
        "title": "离岸人民币兑美元升至2018年以来最高水平",
        "mediaName": "东方财富网",
        "summary": "离岸人民币兑美元升至6.3512，为2018年以来最高水平。",
        "url": "http://finance.eastmoney.com/news/11060,202112082206672930.html",
    },
    {
        "code": "202112082206703990",
        "showTime": "2021-12-08 10:18:31",
        "title": "FF：有充足的现金支持到FF 91完成投产",
        "mediaName": "东方财富网",
        "summary": (
            "Faraday Future (FF)于今日举办的线上投资者沟通交流会上，首次披露公司IPO后的财务状况。"
            "FF公司全球CFO Chuck McBride表示，公司预计总资产约为11亿美元，截至2021年9月30日的总负债约为3.54亿美元，"
            "较2020年12月31日的总负债约减少了5.42亿美元。FF表示，公司有充足的现金支持到（明年）7月FF 91完成投产，"
            "并表示首家旗舰店将落地比佛利山庄。"
        ),
        "url": "http://stock.eastmoney.com/news/1611,202112082206703990.html",
    },
]

SHARE_LINK = "http://finews.zning.xyz/html_News/NewsShare.html?infoCode="
QUANSHANG = [
    ("NW202205302395495176", "2022-05-30 08:23:17", "源头锁定！猴痘疫情全球蔓延之快、路径不寻常 实属罕见！",
     "最近，关于猴痘疫情的研究成果，越来越多。"),
    ("NW202203072299232330", "2022-03-07 16:22:02", "欧美酝酿终极动作 大宗商品涨疯！全球股市波动 何时平息？",
     "全球金融市场正经历今年以来的最大波动！"),
    ("NW202201072239307540", "2022-01-07 08:14:19", "资管圈风向又变！雪球结构产品再迎强监管 信托公司雪球发行被叫停 影响多大？",
     "资管新规刚刚迈入落地元年，去年在资管圈风靡了一年的“雪球结构产品”就再次迎来强监管。"),
]


def list_api(server, query):
    return get_json(server.mirrors()[SHARE] + "/NewsData/GetNewsList.do?" + query)


def test_emnews_digests_with_true_times(sandbox):
    assert list_api(sandbox, "column=emnews") == {
        "column": "emnews", "page": 1, "pageSize": 20, "total": 3, "list": EMNEWS,
    }


def test_emnews_page_boundaries(sandbox):
    first = list_api(sandbox, "column=emnews&page=1&pageSize=2")
    assert (first["page"], first["pageSize"], first["total"]) == (1, 2, 3)
    assert first["list"] == EMNEWS[:2]
    second = list_api(sandbox, "column=emnews&page=2&pageSize=2")
    assert second["list"] == EMNEWS[2:] and second["total"] == 3
    assert list_api(sandbox, "column=emnews&page=3&pageSize=2")["list"] == []


def test_outlet_column_records(sandbox):
    data = list_api(sandbox, "column=quanshangzhongguo&pageSize=10")
    assert data["total"] == 3 and data["pageSize"] == 10
    assert data["list"] == [
        {"code": code, "showTime": time, "title": title, "mediaName": "券商中国", "summary": summary,
         "url": SHARE_LINK + code}
        for code, time, title, summary in QUANSHANG
    ]


def test_middle_dot_column(sandbox):
    data = list_api(sandbox, "column=zhongguozhengquanbao%C2%B7zhongzhengwang")
    assert data["column"] == "zhongguozhengquanbao·zhongzhengwang" and data["total"] == 1
    (record,) = data["list"]
    assert record["code"] == "NW202203172312490456" and record["mediaName"] == "中国证券报·中证网"


@pytest.mark.parametrize(
    "query, page, size",
    [
        ("column=emnews&page=0&pageSize=0", 1, 1),
        ("column=emnews&page=abc&pageSize=", 1, 20),
        ("column=emnews&pageSize=1000", 1, 100),
        ("column=emnews&page=-3&pageSize=-1", 1, 1),
    ],
)
def test_bad_numbers_fall_back_or_are_capped(sandbox, query, page, size):
    data = list_api(sandbox, query)
    assert (data["page"], data["pageSize"], data["total"]) == (page, size, 3)
    assert data["list"] == EMNEWS[:size]


@pytest.mark.parametrize("query", ["column=nosuchcolumn", "", "column="])
def test_unknown_column_is_empty(sandbox, query):
    data = list_api(sandbox, query)
    assert data["total"] == 0 and data["list"] == []


@pytest.fixture(scope="module")
def big_site(corpus_dir):
    """kejiribao with 45 synthetic articles next to its one real article."""
    with SandboxServer(corpus_dir=corpus_dir, extra_posts=synthetic_posts(45, seed=3)) as server:
        yield server


def test_pagination_over_a_large_column(big_site):
    pages = [list_api(big_site, f"column=kejiribao&page={n}") for n in (1, 2, 3, 4)]
    assert [len(p["list"]) for p in pages] == [20, 20, 6, 0]
    assert {p["total"] for p in pages} == {46}
    records = [r for p in pages for r in p["list"]]
    assert records == list_api(big_site, "column=kejiribao&pageSize=100")["list"]
    codes = [r["code"] for r in records]
    assert len(set(codes)) == 46
    times = [r["showTime"] for r in records]
    assert times == sorted(times, reverse=True)
    # the real article is the oldest: synthetic ones are dated from 2022-06-30 back
    assert records[-1]["code"] == "NW202201112243997097"
    assert records[-1]["showTime"] == "2022-01-11 21:48:28"
    assert records[-1]["summary"] == "一些微小但深刻的变化正在发生。"
    for record in records:
        assert record["mediaName"] == "科技日报"
        assert record["url"] == SHARE_LINK + record["code"]
        assert record["showTime"] <= "2022-06-30 23:59:00" and record["title"] and record["summary"]
