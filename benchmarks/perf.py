"""Performance benchmark: crawl throughput against a null spider, extraction cost, memory, the
state store at millions of keys, and the cost of a re-run with nothing new.

    python -m benchmarks.perf                 # N = 1k and 10k, store at 1M and 10M keys (~10 min on 2 cores)
    python -m benchmarks.perf --quick         # a small run to check the harness (~1 min)
    python -m benchmarks.perf --n 1000,10000 --big   # also N = 100k and a 10M store with SimHash

Every figure that matters is a ratio against a baseline measured in the same run (the machines
are shared and noisy; absolute times are context only): the full pipeline against the null spider
(``benchmarks/perf_spiders.py``) on the same sandbox pages, our page parser against the bare lxml
parse of the same bytes. Writes ``benchmarks/results/perf.md`` and ``perf.json`` (or ``--out``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # `python benchmarks/perf.py` as well as `-m`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    __package__ = "benchmarks"

from benchmarks import perf_crawl, perf_extract, perf_sandbox, perf_store  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
OUTLET = "kejiribao"  # the synthetic articles' category, crawled by its outlet spider

TARGETS = {
    "crawl_ratio": 0.85,  # full pipeline pages/s over null spider pages/s at N = 10k
    "parser_over_lxml": 2.0,
    "trafilatura_over_ours": 10.0,
    "rss_mb": 250.0,  # at N = 100k
    "rss_growth": 0.15,  # N = 100k over N = 10k
    "store_lookups_per_s": 50_000,  # at 10M keys
    "rerun_wall_share": 0.05,
}


def crawl_section(n: int, workdir: Path, *, repeat: int, seed: int, sample_pages: int,
                  settings: dict | None = None, shares=(True, False)) -> dict:
    """Everything that needs the sandbox serving ``n`` synthetic articles."""
    out: dict = {"n": n, "settings": dict(settings or {})}
    common = dict(settings or {})
    with perf_sandbox.SandboxProcess(n, seed=seed, category=OUTLET) as sandbox:
        client = perf_sandbox.Client(sandbox.base_url)
        started = time.perf_counter()
        pages = sandbox.pages(client)  # first fetch of the listing and every post page (rendering)
        client.fetch_all(pages["api"])
        out["sandbox_warmup_s"] = round(time.perf_counter() - started, 1)
        every = pages["listing"] + pages["posts"] + pages["api"]
        out["sandbox_req_per_s"] = round(client.timed(every))
        out["articles"] = len(pages["posts"])
        if sample_pages:
            bodies = client.fetch_all(pages["posts"][:sample_pages], keep_bodies=True)
            out["_sample"] = [(_canonical(p), b) for p, b in zip(pages["posts"][:sample_pages], bodies)]
        runs = {}
        for share in shares:
            flag = "share" if share else "noshare"
            for attempt in range(repeat):
                # Null first, then full, alternating per attempt: neither always gets the warmer machine.
                order = ("null", "full") if attempt % 2 == 0 else ("full", "null")
                for kind in order:
                    wd = workdir / f"n{n}-{kind}-{flag}-{attempt}"
                    if kind == "null":
                        r = perf_crawl.run_crawl("perf_null", mirrors=sandbox.mirrors, workdir=wd,
                                                 args={"category": OUTLET, "share": int(share)}, settings=common)
                    else:
                        r = perf_crawl.run_crawl(OUTLET, mirrors=sandbox.mirrors, workdir=wd,
                                                 settings={**common, "FOLLOW_SHARE_LINKS": share})
                    key = f"{kind}_{flag}"
                    if key not in runs or r["pages_per_s"] > runs[key]["pages_per_s"]:
                        if key in runs and kind == "full":
                            shutil.rmtree(workdir / runs[key]["_dir"], ignore_errors=True)
                        r["_dir"] = wd.name
                        runs[key] = r
                    elif kind == "full":
                        shutil.rmtree(wd, ignore_errors=True)
        # Re-run of the best full crawl with share links, on its own state: nothing new to fetch.
        first = runs.get("full_share") or runs["full_noshare"]
        before = sandbox.hits(client)
        rerun = perf_crawl.run_crawl(OUTLET, mirrors=sandbox.mirrors, workdir=workdir / first["_dir"], settings=common)
        after = sandbox.hits(client)
        rerun["article_requests"] = (after["posts"] - before["posts"]) + (after["api"] - before["api"])
        rerun["listing_requests"] = after["listing"] - before["listing"]
        rerun["wall_share"] = round(rerun["wall_s"] / first["wall_s"], 4)
        rerun["request_share"] = round(rerun["requests"] / first["requests"], 5) if first["requests"] else None
        runs["rerun"] = rerun
        out["runs"] = runs
        for flag in ("share", "noshare"):
            if f"full_{flag}" not in runs:
                continue
            full, null = runs[f"full_{flag}"], runs[f"null_{flag}"]
            out[f"ratio_{flag}"] = round(full["pages_per_s"] / null["pages_per_s"], 3)
            full_cpu, null_cpu = full["cpu_ms_per_page"], null["cpu_ms_per_page"]
            out[f"cpu_ratio_{flag}"] = round(null_cpu / full_cpu, 3) if full_cpu else None
    for r in out["runs"].values():
        d = workdir / r.pop("_dir", "")
        if d != workdir:
            shutil.rmtree(d, ignore_errors=True)
    return out


#: Settings an operator may reach for, each against the defaults in the same run. Everything goes
#: to one host here (the sandbox behind MIRRORS), so the per-domain limit is the one that binds.
SETTING_VARIANTS = [
    ("defaults", {}),
    ("CONCURRENT_REQUESTS_PER_DOMAIN=2", {"CONCURRENT_REQUESTS_PER_DOMAIN": "2"}),
    ("CONCURRENT_REQUESTS_PER_DOMAIN=32, CONCURRENT_REQUESTS=32",
     {"CONCURRENT_REQUESTS_PER_DOMAIN": "32", "CONCURRENT_REQUESTS": "32"}),
    ("AUTOTHROTTLE_ENABLED=True", {"AUTOTHROTTLE_ENABLED": "True"}),
    ("JOBDIR (disk request queue)", {"JOBDIR": "auto"}),
    ("HTTPCACHE_ENABLED=True, cache being filled", {"HTTPCACHE_ENABLED": "True"}),
    ("HTTPCACHE_ENABLED=True, every page from the cache", {"HTTPCACHE_ENABLED": "True"}),
]


def settings_section(n: int, workdir: Path, *, repeat: int, seed: int) -> dict:
    """The full pipeline under each of ``SETTING_VARIANTS``, rounds interleaved so that no variant
    always gets the quieter machine; the best of ``repeat`` rounds is kept, as for the crawls."""
    out: dict = {"n": n, "rows": {}}
    with perf_sandbox.SandboxProcess(n, seed=seed, category=OUTLET) as sandbox:
        client = perf_sandbox.Client(sandbox.base_url)
        pages = sandbox.pages(client)
        client.fetch_all(pages["api"])
        for attempt in range(repeat):
            cache = workdir / f"settings-{n}-cache-{attempt}"
            for i, (label, extra) in enumerate(SETTING_VARIANTS):
                wd = workdir / f"settings-{n}-{attempt}-{i}"
                shutil.rmtree(wd, ignore_errors=True)
                settings = dict(extra)
                if "HTTPCACHE_ENABLED" in settings:
                    settings["HTTPCACHE_DIR"] = str(cache)  # shared by the filling run and the cached one
                before = sum(sandbox.hits(client).values())
                r = perf_crawl.run_crawl(OUTLET, mirrors=sandbox.mirrors, workdir=wd, settings=settings)
                r["server_requests"] = sum(sandbox.hits(client).values()) - before
                if label not in out["rows"] or r["pages_per_s"] > out["rows"][label]["pages_per_s"]:
                    out["rows"][label] = r
                shutil.rmtree(wd, ignore_errors=True)
            shutil.rmtree(cache, ignore_errors=True)
    base = out["rows"]["defaults"]["pages_per_s"]
    for r in out["rows"].values():
        r["vs_defaults"] = round(r["pages_per_s"] / base, 3) if base else None
    return out


def fmt(x, digits=1):
    if x is None:
        return "–"
    if isinstance(x, float):
        return f"{x:,.{digits}f}"
    if isinstance(x, int):
        return f"{x:,}"
    return str(x)


def _get(runs: dict, key: str, field: str):
    return runs[key][field] if key in runs else None


def _first(runs: dict) -> dict:
    return runs.get("full_share") or runs["full_noshare"]


def verdict(ok: bool | None) -> str:
    return "–" if ok is None else ("met" if ok else "**missed**")


def markdown(result: dict) -> str:
    lines = [f"Run {result['started']} on {result['machine']} (Python {result['python']}); "
             f"{result['seconds']:.0f} s in all.", ""]
    crawls = result.get("crawl") or []
    if crawls:
        lines += ["### Crawl throughput (pages/s = responses / Scrapy's elapsed time)", "",
                  "| N | share links | null spider pages/s | full pipeline pages/s | full / null | CPU ms/page null → full | pages | sandbox alone req/s |",
                  "|---|---|---|---|---|---|---|---|"]
        for c in crawls:
            for flag, label in (("share", "followed (default)"), ("noshare", "off")):
                if f"full_{flag}" not in c["runs"]:
                    continue
                null, full = c["runs"][f"null_{flag}"], c["runs"][f"full_{flag}"]
                lines.append(
                    f"| {fmt(c['n'])} | {label} | {fmt(null['pages_per_s'])} | {fmt(full['pages_per_s'])} | "
                    f"**{c[f'ratio_{flag}']:.0%}** | {fmt(null['cpu_ms_per_page'], 2)} → {fmt(full['cpu_ms_per_page'], 2)} | "
                    f"{fmt(full['responses'])} | {fmt(c['sandbox_req_per_s'])} |"
                )
        lines += ["", "### Memory (peak RSS of the crawl process) and re-run cost", "",
                  "| N | null spider MB | full pipeline MB | full, share off MB | re-run wall s (first) | re-run share of first | re-run requests | article requests |",
                  "|---|---|---|---|---|---|---|---|"]
        for c in crawls:
            r = c["runs"]
            rr = r["rerun"]
            lines.append(
                f"| {fmt(c['n'])} | {fmt(_get(r, 'null_share', 'peak_rss_mb'))} | {fmt(_get(r, 'full_share', 'peak_rss_mb'))} | "
                f"{fmt(_get(r, 'full_noshare', 'peak_rss_mb'))} | {fmt(rr['wall_s'])} ({fmt(_first(r)['wall_s'])}) | "
                f"**{rr['wall_share']:.1%}** | {fmt(rr['requests'])} | {fmt(rr['article_requests'])} |"
            )
        lines.append("")
    ex = result.get("extraction")
    if ex:
        lines += ["### Extraction cost per post page", "",
                  "| pages | mean KB | bare lxml parse ms | ours (FinewsPostPage + load_article) ms | ours / lxml | trafilatura ms | trafilatura / ours |",
                  "|---|---|---|---|---|---|---|",
                  f"| {ex['pages']} | {ex['mean_page_kb']} | {ex['lxml_ms']:.3f} | {ex['ours_ms']:.3f} | **{ex['ours_over_lxml']:.2f}x** | "
                  f"{fmt(ex.get('trafilatura_ms'), 3)} | **{fmt(ex.get('trafilatura_over_ours'))}x** |", ""]
    st = result.get("store")
    if st:
        lines += ["### State store (ArticleStore, bulk-built, fresh connection)", "",
                  "| keys | SimHash bands | `in` hit/s | `in` miss/s | `get`/s | `near`/s | `record`/s | on disk MB | bytes/article | build s |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        for s in st:
            lines.append(
                f"| {fmt(s['keys'])} | {'yes' if s['simhash'] else 'no'} | {fmt(s['contains_hit_per_s'])} | "
                f"{fmt(s['contains_miss_per_s'])} | {fmt(s['get_per_s'])} | {fmt(s['near_per_s'])} | "
                f"{fmt(s['record_per_s'])} | {fmt(s['disk_mb'])} | {fmt(s['bytes_per_article'])} | {fmt(s['build_s'])} |"
            )
        lines.append("")
    sw = result.get("settings")
    if sw:
        lines += [f"### Settings (full pipeline, N = {sw['n']:,}, share links followed; one host)", "",
                  "| settings | pages/s | vs defaults | CPU ms/page | peak RSS MB | posts written | requests at the server |",
                  "|---|---|---|---|---|---|---|"]
        for label, r in sw["rows"].items():
            lines.append(f"| {label} | {fmt(r['pages_per_s'])} | **{r['vs_defaults']:.0%}** | {fmt(r['cpu_ms_per_page'], 2)} | "
                         f"{fmt(r['peak_rss_mb'])} | {fmt(r['posts_written'])} | {fmt(r['server_requests'])} |")
        lines.append("")
    lines += ["### Targets", "", "| target | measured | |", "|---|---|---|"]
    for name, measured, ok in result["targets"]:
        lines.append(f"| {name} | {measured} | {verdict(ok)} |")
    return "\n".join(lines) + "\n"


def check_targets(result: dict) -> list:
    rows = []
    crawls = {c["n"]: c for c in result.get("crawl") or []}
    at = crawls.get(10_000) or (crawls[max(crawls)] if crawls else None)
    if at and "ratio_share" in at:
        rows.append((f"full pipeline ≥ 85% of null spider pages/s (N = {at['n']:,}, share links followed)",
                     f"{at['ratio_share']:.0%}" + (f" (share off: {at['ratio_noshare']:.0%})" if "ratio_noshare" in at else ""),
                     at["ratio_share"] >= TARGETS["crawl_ratio"]))
    ex = result.get("extraction")
    if ex:
        rows.append(("page parser ≤ 2x bare lxml parse", f"{ex['ours_over_lxml']:.2f}x",
                     ex["ours_over_lxml"] <= TARGETS["parser_over_lxml"]))
        if ex.get("trafilatura_over_ours"):
            rows.append(("page parser ≥ 10x faster than trafilatura", f"{ex['trafilatura_over_ours']:.1f}x",
                         ex["trafilatura_over_ours"] >= TARGETS["trafilatura_over_ours"]))
    if crawls:
        big = crawls.get(100_000)
        ref = crawls.get(10_000)
        if big and ref:
            rss, ref_rss = _first(big["runs"])["peak_rss_mb"], _first(ref["runs"])["peak_rss_mb"]
            rows.append(("peak RSS ≤ 250 MB at N = 100k, within 15% of N = 10k",
                         f"{rss:.0f} MB vs {ref_rss:.0f} MB (+{rss / ref_rss - 1:.0%})",
                         rss <= TARGETS["rss_mb"] and rss <= ref_rss * (1 + TARGETS["rss_growth"])))
        else:
            ns = sorted(crawls)
            rows.append(("peak RSS ≤ 250 MB at N = 100k (run with --big)",
                         ", ".join(f"N={n:,}: {_first(crawls[n]['runs'])['peak_rss_mb']:.0f} MB" for n in ns), None))
        worst = max(crawls.values(), key=lambda c: c["runs"]["rerun"]["wall_share"])
        rr = worst["runs"]["rerun"]
        rows.append(("re-run with nothing new ≤ 5% of first wall time, zero article requests",
                     f"{rr['wall_share']:.1%} at N = {worst['n']:,}, {rr['article_requests']} article requests",
                     rr["wall_share"] <= TARGETS["rerun_wall_share"] and all(
                         c["runs"]["rerun"]["article_requests"] == 0 for c in crawls.values())))
    st = [s for s in result.get("store") or [] if s["keys"] == max(x["keys"] for x in result["store"])]
    if st:
        worst = min(min(s["contains_hit_per_s"], s["contains_miss_per_s"], s["get_per_s"]) for s in st)
        rows.append((f"dedupe lookups ≥ 50k/s at {st[0]['keys']:,} keys", f"{worst:,}/s (slowest of in/get)",
                     worst >= TARGETS["store_lookups_per_s"] if st[0]["keys"] >= 10_000_000 else None))
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.perf", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes: checks the harness, not the targets")
    parser.add_argument("--n", default=None, help="comma-separated article counts (default 1000,10000)")
    parser.add_argument("--big", action="store_true", help="add N = 100k and a 10M-key store with SimHash")
    parser.add_argument("--store-keys", default=None, help="comma-separated store sizes (default 1000000,10000000)")
    parser.add_argument("--only", default="crawl,extraction,store",
                        help="sections to run (crawl,extraction,store; settings: the settings comparison, not run by default)")
    parser.add_argument("--settings-n", type=int, default=2000, help="articles for the settings comparison")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each crawl; the best is kept")
    parser.add_argument("--seed", type=int, default=1, help="seed of the synthetic articles")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="a Scrapy setting for every crawl, null spider included (repeatable); "
                             "JOBDIR=auto gives each crawl its own fresh JOBDIR (disk request queue)")
    parser.add_argument("--share", choices=("both", "on", "off"), default="both",
                        help="crawl with share links followed, not followed, or both (default)")
    parser.add_argument("--out", default=str(RESULTS), help="folder for perf.md and perf.json")
    parser.add_argument("--workdir", default=None, help="scratch folder (default: a temporary one, removed)")
    args = parser.parse_args(argv)

    sections = {s.strip() for s in args.only.split(",") if s.strip()}
    settings = dict(item.split("=", 1) for item in args.set)
    shares = {"both": (True, False), "on": (True,), "off": (False,)}[args.share]
    if args.n:
        ns = [int(x) for x in args.n.split(",")]
    else:
        ns = [300] if args.quick else [1_000, 10_000]
    if args.big and 100_000 not in ns:
        ns.append(100_000)
    if args.store_keys:
        store_keys = [int(x) for x in args.store_keys.split(",")]
    else:
        store_keys = [100_000] if args.quick else [1_000_000, 10_000_000]
    simhash_keys = [k for k in store_keys if k < 10_000_000 or args.big]

    started = time.perf_counter()
    result: dict = {
        "started": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "python": platform.python_version(),
        "args": vars(args),
    }
    scratch = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="finews-perf-"))
    scratch.mkdir(parents=True, exist_ok=True)
    try:
        sample = []
        want_sample = 300 if "extraction" in sections else 0
        if "crawl" in sections:
            result["crawl"] = []
            for n in ns:
                c = crawl_section(n, scratch, repeat=args.repeat, seed=args.seed, sample_pages=want_sample,
                                  settings=settings, shares=shares)
                sample = sample or c.get("_sample", [])
                c.pop("_sample", None)
                result["crawl"].append(c)
                ratios = ", ".join(f"{c[k]:.0%} ({k[6:]})" for k in ("ratio_share", "ratio_noshare") if k in c)
                print(f"crawl N={n:,}: full/null {ratios}; RSS {_first(c['runs'])['peak_rss_mb']:.0f} MB; "
                      f"re-run {c['runs']['rerun']['wall_share']:.1%}", flush=True)
        elif want_sample:
            sample = _sample_pages(min(ns), args.seed, want_sample)
        if "extraction" in sections:
            result["extraction"] = perf_extract.measure(sample, passes=3 if args.quick else 5,
                                                        trafilatura_pages=30 if args.quick else 100)
            ex = result["extraction"]
            print(f"extraction: ours {ex['ours_ms']:.3f} ms, lxml {ex['lxml_ms']:.3f} ms "
                  f"({ex['ours_over_lxml']:.2f}x), trafilatura {fmt(ex.get('trafilatura_ms'), 3)} ms", flush=True)
        if "settings" in sections:
            result["settings"] = settings_section(args.settings_n, scratch, repeat=args.repeat, seed=args.seed)
            for label, r in result["settings"]["rows"].items():
                print(f"settings {label}: {r['pages_per_s']} pages/s ({r['vs_defaults']:.0%})", flush=True)
        if "store" in sections:
            result["store"] = perf_store.run(scratch, store_keys, simhash_sizes=simhash_keys,
                                             lookups=20_000 if args.quick else 200_000)
            for s in result["store"]:
                print(f"store {s['keys']:,} keys (simhash {s['simhash']}): in {s['contains_hit_per_s']:,}/s, "
                      f"record {s['record_per_s']:,}/s, {s['disk_mb']} MB", flush=True)
    finally:
        if not args.workdir:
            shutil.rmtree(scratch, ignore_errors=True)
    if not result.get("crawl"):
        result.pop("crawl", None)
    result["seconds"] = round(time.perf_counter() - started, 1)
    result["targets"] = check_targets(result)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "perf.json").write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", "utf-8")
    (out / "perf.md").write_text(markdown(result), "utf-8")
    print(markdown(result))
    print(f"written: {out / 'perf.md'}, {out / 'perf.json'}")
    return 0


def _sample_pages(n: int, seed: int, count: int) -> list[tuple[str, bytes]]:
    with perf_sandbox.SandboxProcess(n, seed=seed, category=OUTLET) as sandbox:
        client = perf_sandbox.Client(sandbox.base_url)
        posts = sandbox.pages(client)["posts"][:count]
        return [(_canonical(p), b) for p, b in zip(posts, client.fetch_all(posts, keep_bodies=True))]


def _canonical(path: str) -> str:
    """``/finews.withounder.com/x/…`` (a sandbox path) → ``https://finews.withounder.com/x/…``."""
    return "https://" + path.lstrip("/")


if __name__ == "__main__":
    sys.exit(main())
