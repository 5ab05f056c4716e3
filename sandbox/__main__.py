"""``python -m sandbox``: serve the local site in the foreground for demos and manual crawls.

Prints the ``-s MIRRORS=…`` argument to paste after ``scrapy crawl <spider>`` and one example URL
of each page kind, so the share host, the JSON APIs and the Eastmoney pages can be tried by hand.
"""

import argparse
import json
import threading

from .render_share import VARIANTS
from .server import SHARE_HOST, SandboxServer
from .synthetic import synthetic_posts


def examples(server: SandboxServer) -> list[str]:
    """One URL per page kind, for the newest share article and the emnews column."""
    base = server.base_url
    share = [a for p in server.posts if (a := server.site.article(p)).is_share]
    lines = [f"  finews home      {base}/finews.withounder.com/"]
    if share:
        newest = max(share, key=lambda a: (a.post.show_time, a.code))
        code, slug = newest.code, newest.post.category
        lines += [
            f"  share page       {base}/{SHARE_HOST}/html_News/NewsShare.html?infoCode={code}",
            f"  text API         {base}/{SHARE_HOST}/NewsData/GetNewsText.do?id={code}",
            f"  list API         {base}/{SHARE_HOST}/NewsData/GetNewsList.do?column={slug}&page=1&pageSize=20",
            f"  public article   {base}/finance.eastmoney.com/a/{newest.digits}.html",
        ]
    lines.append(f"  request counts   {base}/__sandbox__/hits")
    return lines


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--corpus", default=None, help="corpus root (default: $FINEWS_CORPUS_DIR or ../shared/corpus)")
    parser.add_argument("--synthetic", type=int, default=0, metavar="N", help="add N synthetic articles")
    parser.add_argument("--synthetic-category", default="kejiribao", metavar="SLUG",
                        help="category of the synthetic articles (default: kejiribao)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic articles (default: 0)")
    parser.add_argument("--share-api-variant", choices=VARIANTS, default="mixed",
                        help="text API field: per article (mixed), always text, always content")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args(argv)

    extra = []
    if args.synthetic:
        from .corpus import load_posts

        extra = synthetic_posts(args.synthetic, seed=args.seed, category=args.synthetic_category,
                                base=load_posts(args.corpus))
    server = SandboxServer(corpus_dir=args.corpus, host=args.host, port=args.port, verbose=args.verbose,
                           extra_posts=extra, share_api_variant=args.share_api_variant)
    server.start()
    print(f"sandbox serving {len(server.posts)} posts at {server.base_url}", flush=True)
    print(f"-s MIRRORS='{json.dumps(server.mirrors())}'", flush=True)
    print("\n".join(examples(server)), flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
