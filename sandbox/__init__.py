"""The local site the crawler's tests, demo and benchmarks crawl (design §7).

``SandboxServer`` serves pages rendered from the real posts in the shared corpus (read at run
time, never copied here) plus any posts a test adds: the finews Jekyll site, the Eastmoney share
host (NewsShare shell, JSON text and list APIs) and public Eastmoney article pages, with fault
injection. ``mirrors()`` gives the ``MIRRORS`` setting; ``synthetic_posts`` makes any number of
realistic extra articles.
"""

from .corpus import Post, default_corpus_dir, load_posts
from .server import SandboxServer
from .synthetic import synthetic_posts

__all__ = ["SandboxServer", "Post", "load_posts", "default_corpus_dir", "synthetic_posts"]
