"""Helpers for the sandbox tests: real HTTP requests and an independent reading of corpus files.

The corpus is read here with a few lines of string handling, not with ``sandbox.corpus``, so the
expected values do not come from the code under test.
"""

import json
import urllib.error
import urllib.request
from pathlib import Path

import lxml.html
import yaml

SHARE = "finews.zning.xyz"
EASTMONEY = "finance.eastmoney.com"
STOCK = "stock.eastmoney.com"
JSON_TYPE = "application/json; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"


def get(url, timeout=10):
    """(status, headers, body bytes); HTTP errors are returned, not raised."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def get_json(url):
    status, headers, body = get(url)
    assert status == 200, url
    assert headers["Content-Type"] == JSON_TYPE
    return json.loads(body.decode("utf-8"))


def get_html(url):
    status, headers, body = get(url)
    assert status == 200, url
    assert headers["Content-Type"] == HTML_TYPE
    return lxml.html.fromstring(body.decode("utf-8"))


def post_file(corpus_dir: Path, name: str) -> Path:
    """A corpus post by file name, whichever folder holds it."""
    (path,) = [p for p in (corpus_dir / "finews_posts").glob(f"*/{name}")]
    return path


def read_post(path: Path):
    """(front matter dict, body text) of a post file."""
    _, front, body = path.read_text(encoding="utf-8").split("---\n", 2)
    return yaml.safe_load(front), body


def body_before_footer(body: str) -> str:
    """The HTML (or digest) before the ``<http…>`` footer line."""
    return body.split("\n\n<http")[0].strip()


def squash(text: str) -> str:
    return " ".join(text.split())
