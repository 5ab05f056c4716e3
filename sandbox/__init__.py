"""The local finews site the crawler's tests, demo and benchmarks crawl (design §7).

``SandboxServer`` serves pages rendered from the real posts in the shared corpus (read at run
time, never copied here) plus any posts a test adds; ``mirrors()`` gives the ``MIRRORS`` setting.
"""

from .corpus import Post, default_corpus_dir, load_posts
from .server import SandboxServer

__all__ = ["SandboxServer", "Post", "load_posts", "default_corpus_dir"]
