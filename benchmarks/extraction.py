"""Extraction benchmark: our generic parser against trafilatura, GNE, newspaper4k and
readability-lxml, on the same pages in the same run.

    python -m benchmarks.extraction            # everything (a few minutes on 2 cores)
    python -m benchmarks.extraction --only waddle --extractors ours,trafilatura --limit 50

Needs the ``bench`` extra (``pip install -e '.[bench]'``) and the shared data beside the repo
(``../shared/bench``, ``../shared/corpus``; or ``FINEWS_BENCH_DIR`` / ``FINEWS_CORPUS_DIR``).
Writes ``benchmarks/results/extraction.md`` and ``extraction.json`` (or ``--out DIR``). Scores
are defined in ``benchmarks/scoring.py``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import platform
import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # `python benchmarks/extraction.py` as well as `-m`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    __package__ = "benchmarks"

from benchmarks import datasets, extractors, scoring  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def run_dataset(chosen: dict, pages: list) -> list[dict]:
    """Every extractor on every page. Pages are the outer loop, so a change in machine load
    during the run (other processes on a shared box) hits every extractor alike and the speed
    ratios stay fair; the first pages are run once untimed first, so imports and lazy set-up
    are not what pages/s measures."""
    for page in pages[:3]:
        for fn in chosen.values():
            try:
                fn(page.html, page.url)
            except Exception:
                pass
    gc.collect()
    results = {name: {"extractor": name, "pages": len(pages), "seconds": 0.0, "errors": 0, "rows": []}
               for name in chosen}
    for page in pages:
        for name, fn in chosen.items():
            result = results[name]
            start = time.perf_counter()
            try:
                out = fn(page.html, page.url) or {}
            except Exception as exc:  # a crash is an empty answer, counted
                out = {"error": f"{type(exc).__name__}: {exc}"[:200]}
                result["errors"] += 1
            result["seconds"] += time.perf_counter() - start
            result["rows"].append(_score(page, out))
    return list(results.values())


def _score(page, out: dict) -> dict:
    body = out.get("body") or ""
    p, r, f = scoring.char_prf(body, page.body)
    row = {"id": page.id, "p": round(p, 4), "r": round(r, 4), "f1": round(f, 4),
           "f1_4gram": round(scoring.shingle_prf(body, page.body)[2], 4)}
    if page.title is not None:
        row["title_ok"] = scoring.same_title(out.get("title"), page.title)
    if page.date is not None and ("date" in out or "error" in out):
        row["date_day_ok"], row["date_exact_ok"] = _date_ok(out.get("date"), page)
    if "error" in out:
        row["error"] = out["error"]
    return row


def _date_ok(got, page) -> tuple[bool, bool]:
    """Day: the calendar day in Shanghai. Exact: equal at the precision the page shows."""
    if got is None:
        return False, False
    want = page.date
    if not isinstance(got, dt.datetime):  # a bare day (trafilatura) can only be right to the day
        return got == want.date(), False
    got = got.astimezone(want.tzinfo)
    if page.date_precision == "minute":
        got = got.replace(second=0, microsecond=0)
    return got.date() == want.date(), got == want


def summarise(result: dict) -> dict:
    rows = result["rows"]

    def mean(key):
        values = [row[key] for row in rows if key in row]
        return round(statistics.fmean(values), 4) if values else None

    titles = [row["title_ok"] for row in rows if "title_ok" in row]
    days = [row["date_day_ok"] for row in rows if "date_day_ok" in row]
    exact = [row["date_exact_ok"] for row in rows if "date_exact_ok" in row]
    return {
        "extractor": result["extractor"],
        "pages": result["pages"],
        "precision": mean("p"),
        "recall": mean("r"),
        "f1": mean("f1"),
        "f1_4gram": mean("f1_4gram"),
        "f1_min": min((row["f1"] for row in rows), default=None),
        "title_exact": round(sum(titles) / len(titles), 4) if titles else None,
        "titles": len(titles),
        "date_day": round(sum(days) / len(days), 4) if days else None,
        "date_exact": round(sum(exact) / len(exact), 4) if exact else None,
        "dates": len(days),
        "pages_per_second": round(result["pages"] / result["seconds"], 1) if result["seconds"] else None,
        "errors": result["errors"],
    }


def _cell(value):
    if value is None:
        return "–"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def markdown(report: dict) -> str:
    lines = [
        "# Extraction benchmark",
        "",
        f"Run {report['run_at']} · Python {report['python']} · {report['machine']} · "
        + ", ".join(f"{k} {v}" for k, v in report["versions"].items()),
        "",
        "Body P/R/F1: bag of characters after NFKC, lower-casing and removing whitespace and "
        "punctuation, mean over pages; F1 4-gram: the same over character 4-grams. Title: exact "
        "match (NFKC, whitespace collapsed) where a title is known. Date: calendar day / exact to "
        "the precision the page shows, where a date is known. Pages/s: the extractor call only, "
        "one process, same pages for all.",
        "",
    ]
    for dataset, summaries in report["datasets"].items():
        n = summaries[0]["pages"] if summaries else 0
        lines += [f"## {dataset} ({n} pages)", "",
                  "| extractor | body P | body R | body F1 | F1 4-gram | min F1 | title exact | date day | date exact | pages/s | errors |",
                  "|---|---|---|---|---|---|---|---|---|---|---|"]
        for s in summaries:
            lines.append(
                f"| {s['extractor']} | {_cell(s['precision'])} | {_cell(s['recall'])} | **{_cell(s['f1'])}** | "
                f"{_cell(s['f1_4gram'])} | {_cell(s['f1_min'])} | {_cell(s['title_exact'])} | {_cell(s['date_day'])} | "
                f"{_cell(s['date_exact'])} | {s['pages_per_second']} | {s['errors']} |"
            )
        lines.append("")
    if report.get("speedup"):
        lines += ["## Speed", ""]
        lines += [f"- {k}: {v}" for k, v in report["speedup"].items()]
        lines.append("")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=["waddle", "corpus", "all"], default="all")
    parser.add_argument("--extractors", default="", help="comma-separated names (prefix match); default all")
    parser.add_argument("--limit", type=int, default=None, help="first N waddle pages only")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--no-drift", action="store_true", help="skip the drifted corpus layouts")
    args = parser.parse_args(argv)

    chosen = {name: fn for name, fn in extractors.EXTRACTORS.items()
              if not args.extractors or any(name.lower().startswith(x.strip().lower()) for x in args.extractors.split(","))}
    groups: dict[str, list] = {}
    if args.only in ("waddle", "all"):
        groups["waddle-daniel-zh"] = datasets.waddle_pages(args.limit)
    if args.only in ("corpus", "all"):
        for page in datasets.corpus_pages() + ([] if args.no_drift else datasets.corpus_pages(drift=True)):
            groups.setdefault(page.dataset, []).append(page)

    report = {
        "run_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {platform.system()}",
        "versions": extractors.versions(),
        "datasets": {},
        "pages": {},
    }
    for dataset, pages in groups.items():
        print(f"{dataset}: {len(pages)} pages × {len(chosen)} extractors …", file=sys.stderr, flush=True)
        summaries = []
        for result in run_dataset(chosen, pages):
            summaries.append(summarise(result))
            report["pages"].setdefault(dataset, {})[result["extractor"]] = result["rows"]
        report["datasets"][dataset] = summaries

    speed = {}
    for dataset, summaries in report["datasets"].items():
        by = {s["extractor"]: s for s in summaries}
        ours = next((s for n, s in by.items() if n.startswith("ours")), None)
        traf = by.get("trafilatura")
        if ours and traf and traf["pages_per_second"]:
            speed[f"{dataset}: ours / trafilatura"] = f"{ours['pages_per_second'] / traf['pages_per_second']:.1f}x"
    report["speedup"] = speed

    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "extraction.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), "utf-8")
    text = markdown(report)
    (args.out / "extraction.md").write_text(text, "utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
