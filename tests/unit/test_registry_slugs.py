"""Every outlet of the packaged registry spells out its slug, so a crawl never loads pypinyin.

The pinyin dictionaries cost ~55 MB of resident memory and ~0.4 s per process, paid by every
``scrapy crawl`` only to re-derive slugs that never change. The written slugs must still be what
the generator gives (the live site's files were named by it), and an unknown media name in a
share link still gets a generated slug, which is the one case left that imports pypinyin.
"""

from __future__ import annotations

import subprocess
import sys
from importlib import resources
from pathlib import Path

import yaml

from crawler.sources import slugify

ROOT = Path(__file__).resolve().parents[2]


def _outlets():
    text = resources.files("crawler").joinpath("sources.yaml").read_text("utf-8")
    return yaml.safe_load(text)["outlets"]


def test_every_outlet_has_an_explicit_slug():
    assert [o["name"] for o in _outlets() if "slug" not in o] == []


def test_explicit_slugs_are_what_the_generator_gives():
    assert [(o["name"], o["slug"]) for o in _outlets() if o["slug"] != slugify(o["name"])] == []


def test_loading_the_spiders_does_not_import_pypinyin():
    # A fresh interpreter: this test process has imported pypinyin already (slugify above).
    code = (
        "import sys\n"
        "from scrapy.utils.project import get_project_settings\n"
        "from scrapy.spiderloader import get_spider_loader\n"
        "loader = get_spider_loader(get_project_settings())\n"
        "assert 'kejiribao' in loader.list()\n"
        "loader.load('kejiribao')\n"
        "print('pypinyin' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_an_unknown_media_name_still_gets_a_generated_slug():
    assert slugify("新媒体") == "xinmeiti"
