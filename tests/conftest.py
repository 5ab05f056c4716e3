"""Shared fixtures: the real corpus and a running sandbox site (see sandbox/).

The session server is shared by every test that asks for it, so tests must not change its posts
or routes; a test that needs to (``add_post``, ``add_route``) starts its own ``SandboxServer``.
"""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # plain `pytest` does not put the project root on sys.path
    sys.path.insert(0, str(ROOT))

from sandbox.corpus import default_corpus_dir, load_posts  # noqa: E402
from sandbox.server import SandboxServer  # noqa: E402

#: The one place the corpus location is decided ($FINEWS_CORPUS_DIR or ../shared/corpus).
CORPUS_DIR = default_corpus_dir()


def _require_corpus() -> Path:
    # A missing corpus is a broken checkout, not a reason to skip: fail loudly.
    if not (CORPUS_DIR / "finews_posts").is_dir():
        pytest.fail(f"corpus not found at {CORPUS_DIR}: put ../shared beside the repo or set FINEWS_CORPUS_DIR")
    return CORPUS_DIR


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """Root of the shared corpus (the folder holding ``finews_posts/``)."""
    return _require_corpus()


@pytest.fixture(scope="session")
def corpus_posts(corpus_dir):
    """The real finews posts (``_posts`` and ``old_post``) as ``sandbox.Post`` objects."""
    return load_posts(corpus_dir)


@pytest.fixture(scope="session")
def sandbox_server(corpus_dir):
    """One sandbox site on a free 127.0.0.1 port for the whole test session."""
    server = SandboxServer(corpus_dir=corpus_dir).start()
    yield server
    server.stop()


@pytest.fixture
def sandbox(sandbox_server):
    """The session sandbox with its request counts reset, so a test sees only its own hits."""
    sandbox_server.reset_hits()
    return sandbox_server
