"""Bad spider arguments stop the crawl before any request, with one line and exit code 2."""

import subprocess
import sys

import pytest

from tests.crawling import ROOT


@pytest.mark.parametrize(
    "argv, message",
    [
        (["finews", "-a", "category=../etc"], "error: spider finews: -a category: '../etc' is not a list of category slugs"),
        (["finews", "-a", "categroy=kejiribao"], "error: spider finews: unknown argument -a categroy (known: category)"),
        (["kejiribao", "-a", "foo=1"], "error: spider kejiribao: unknown argument -a foo"),
        (["no_such_spider"], "error: no spider named 'no_such_spider'"),
    ],
)
def test_bad_arguments(argv, message):
    proc = subprocess.run([sys.executable, "-m", "scrapy", "crawl", *argv], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and errors[0].startswith(message), proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
