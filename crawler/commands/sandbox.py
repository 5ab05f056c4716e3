"""``scrapy sandbox``: run the sandbox site in the foreground (for people poking at it)."""

from __future__ import annotations

import json
import time

from scrapy.commands import ScrapyCommand


class Command(ScrapyCommand):
    requires_project = False
    requires_crawler_process = False
    default_settings = {"LOG_ENABLED": False}

    def syntax(self):
        return "[--port PORT] [--corpus DIR]"

    def short_desc(self):
        return "Serve the sandbox finews site on 127.0.0.1"

    def add_options(self, parser):
        super().add_options(parser)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--corpus", default=None, help="corpus folder (default: ../shared/corpus)")

    def run(self, args, opts):
        from sandbox import SandboxServer

        server = SandboxServer(corpus_dir=opts.corpus, host=opts.host, port=opts.port).start()
        print(f"sandbox at {server.base_url}; crawl it with:")
        print(f"  scrapy crawl kejiribao -s MIRRORS='{json.dumps(server.mirrors())}'")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()
