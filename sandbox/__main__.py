"""``python -m sandbox``: serve the local finews site in the foreground for demos and manual crawls.

Prints the ``-s MIRRORS=…`` argument to paste after ``scrapy crawl <spider>``.
"""

import argparse
import json
import threading

from .server import SandboxServer


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--corpus", default=None, help="corpus root (default: $FINEWS_CORPUS_DIR or ../shared/corpus)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args(argv)

    server = SandboxServer(corpus_dir=args.corpus, host=args.host, port=args.port, verbose=args.verbose)
    server.start()
    print(f"sandbox serving {len(server.posts)} posts at {server.base_url}", flush=True)
    print(f"-s MIRRORS='{json.dumps(server.mirrors())}'", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
