"""The share host over real HTTP: the NewsShare shell holds no article, the text API does.

Expected bodies are the post files' own text; the number of ``\\r\\n`` comes from the corpus
PROVENANCE (raw minus served characters of the original file).
"""

import json
import re

import pytest

from sandbox import SandboxServer

from .fetch import HTML_TYPE, JSON_TYPE, SHARE, body_before_footer, get, get_json, post_file, read_post, squash

SEED = "NW202201112243997097"


def share_url(server, path):
    return server.mirrors()[SHARE] + path


def test_share_page_is_a_shell_without_the_article(sandbox):
    status, headers, body = get(share_url(sandbox, f"/html_News/NewsShare.html?infoCode={SEED}"))
    text = body.decode("utf-8")
    assert status == 200 and headers["Content-Type"] == HTML_TYPE
    assert "<title>东方财富网</title>" in text
    assert '<div id="newsContent"></div>' in text
    assert "/NewsData/GetNewsText.do?id=" in text and "XMLHttpRequest" in text
    assert "infoCode" in text
    # nothing of the article: not its first paragraph, not its title, not its source line
    assert "一些微小但深刻的变化正在发生" not in text
    assert "向实而行" not in text and "文章来源" not in text


#: Fields every text-API answer carries besides the body (``text`` or ``content``).
META = {"id", "title", "showTime", "mediaName"}


@pytest.mark.parametrize(
    "query",
    ["infoCode=NW202201112243997098", "infoCode=202112082206672930", "infoCode=", "", "id=" + SEED],
)
def test_share_page_unknown_code_is_404(sandbox, query):
    status, _, _ = get(share_url(sandbox, f"/html_News/NewsShare.html?{query}"))
    assert status == 404


def test_text_api_returns_the_seed_body(sandbox, corpus_dir):
    path = corpus_dir / "seed" / "2022-01-11-NW202201112243997097.md"
    _, body = read_post(path)
    expected = body_before_footer(body)
    status, headers, raw = get(share_url(sandbox, f"/NewsData/GetNewsText.do?id={SEED}"))
    assert status == 200 and headers["Content-Type"] == JSON_TYPE
    data = json.loads(raw.decode("utf-8"))
    assert set(data) == META | {"content"}  # code ends in 7: an "older server" answer
    assert data["id"] == SEED
    text = data["content"]
    # metadata as in the seed's front matter, time to the second
    assert data["title"] == "向实而行 科技大厂的数字技术“上山下乡”"
    assert data["showTime"] == "2022-01-11 21:48:28"
    assert data["mediaName"] == "科技日报"
    # the real API's line breaks: 3516 raw - 3479 served characters (PROVENANCE) = 37 CRs
    assert text.count("\r\n") == 37
    assert re.search(r"(?<!\r)\n", text) is None
    assert text.replace("\r\n", "\n") == expected
    assert squash(text) == squash(expected)
    assert text.startswith("<p>一些微小但深刻的变化正在发生。</p>")
    assert text.endswith('<p class="em_media">（文章来源：科技日报）</p>')


def test_every_share_article_matches_its_file(sandbox, corpus_dir):
    files = sorted((corpus_dir / "finews_posts").glob("*/*-NW*.md"))
    assert len(files) == 27
    fields = set()
    for path in files:
        code = path.stem[11:]
        data = get_json(share_url(sandbox, f"/NewsData/GetNewsText.do?id={code}"))
        _, body = read_post(path)
        (field,) = set(data) - META
        fields.add(field)
        assert field == ("text" if int(code[-1]) % 2 == 0 else "content"), code
        assert data[field].replace("\r\n", "\n") == body_before_footer(body), code
        media = re.search(r"（文章来源：(.+?)）", body).group(1)
        assert data[field].endswith(f'<p class="em_media">（文章来源：{media}）</p>'), code
    assert fields == {"text", "content"}


def test_newer_server_variant(sandbox):
    data = get_json(share_url(sandbox, "/NewsData/GetNewsText.do?id=NW202202112274017262"))
    assert set(data) == META | {"text"}
    assert data["text"].startswith('<p style="display:none;height:1px;overflow:hidden;"><br /></p><!-- EM_StockImg_Start -->')


@pytest.mark.parametrize("code", ["NW000000000000000000", "202112082206672930", "", "NW2022<script>"])
def test_text_api_unknown_code_is_200_with_error(sandbox, code):
    from urllib.parse import quote

    data = get_json(share_url(sandbox, f"/NewsData/GetNewsText.do?id={quote(code)}"))
    assert data == {"id": code, "text": None, "error": "not found"}


def test_text_api_without_id(sandbox):
    assert get_json(share_url(sandbox, "/NewsData/GetNewsText.do")) == {"id": "", "text": None, "error": "not found"}


@pytest.mark.parametrize("variant", ["text", "content"])
def test_server_wide_variant(corpus_dir, variant):
    with SandboxServer(corpus_dir=corpus_dir, share_api_variant=variant) as server:
        for code in (SEED, "NW202202112274017262"):
            data = get_json(share_url(server, f"/NewsData/GetNewsText.do?id={code}"))
            assert set(data) == META | {variant}


def test_bad_variant_is_refused(corpus_dir):
    with pytest.raises(ValueError):
        SandboxServer(corpus_dir=corpus_dir, share_api_variant="json")


def test_share_requests_are_counted(sandbox):
    get(share_url(sandbox, f"/html_News/NewsShare.html?infoCode={SEED}"))
    get(share_url(sandbox, f"/NewsData/GetNewsText.do?id={SEED}"))
    get(share_url(sandbox, f"/NewsData/GetNewsText.do?id={SEED}"))
    assert sandbox.hits(SHARE, "/NewsData/GetNewsText.do") == 2
    assert sandbox.hits(SHARE, f"/html_News/NewsShare.html?infoCode={SEED}") == 1
    assert sandbox.hits(SHARE) == 3


def test_seed_share_link_in_post_points_here(corpus_dir, sandbox):
    """The footer link of the post file, fetched through MIRRORS, reaches the shell."""
    _, body = read_post(post_file(corpus_dir, "2022-01-11-NW202201112243997097.md"))
    link = re.search(r"^<(http://finews\.zning\.xyz/[^>]+)>$", body, re.M).group(1)
    mirrored = link.replace("http://finews.zning.xyz", sandbox.mirrors()[SHARE])
    assert get(mirrored)[0] == 200
