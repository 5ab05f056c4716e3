"""``scrapy report``: the run history as one static HTML page with charts.

One self-contained file (inline SVG and CSS, a few lines of inline script, no CDN, no web font):
operators open it from disk or a file share on machines without internet, mail it, or keep it
as an artefact of a CI run. The charts are drawn here as SVG rather than with a plotting package,
which would add a dependency (and often JavaScript from a CDN) for three simple charts.
"""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from datetime import datetime, timezone
from html import escape
from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.extensions.history import RunHistory, history_path

PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
           "#bcbd22", "#17becf"]
#: Lines drawn in the time charts; the rest of the spiders are summed as "others".
MAX_SERIES = 8
_STEPS = [60, 300, 900, 3600, 3 * 3600, 6 * 3600, 86400, 7 * 86400]


class Command(ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_ENABLED": False}

    def syntax(self):
        return "[--output FILE] [--days N] [--history FILE]"

    def short_desc(self):
        return "Render the run history as one HTML page with charts"

    def add_options(self, parser):
        super().add_options(parser)
        parser.add_argument("-o", "--output", default="exports/report.html", help="HTML file to write")
        parser.add_argument("--days", type=float, default=30, help="runs of the last N days (default 30)")
        parser.add_argument("--history", default=None, help="history database (default: HISTORY_FILE or "
                                                             "STATE_DIR/history.sqlite3)")

    def run(self, args, opts):
        if args:
            raise UsageError("report takes no positional arguments")
        path = Path(opts.history) if opts.history else history_path(self.settings)
        if not path.exists():
            print(f"error: no run history at {path}; it is written by every crawl (HISTORY_ENABLED)")
            self.exitcode = 1
            return
        history = RunHistory(path)
        try:
            now = time.time()
            runs = history.runs(since=now - opts.days * 86400)
        finally:
            history.close()
        output = Path(opts.output)
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(render_report(runs, days=opts.days, now=now, source=str(path)), "utf-8")
        print(f"report: {len(runs)} runs of {len({r['spider'] for r in runs})} spiders -> {output}")


# --- the page ---------------------------------------------------------------------------------
def failures(run: dict) -> int:
    """What went wrong in a run, in one number: errors logged, items dropped for a reason other
    than being a known duplicate, checks failed, and 1 for a run that did not finish."""
    drops = sum(v for k, v in run["drops"].items() if k not in ("duplicate", "near_duplicate"))
    return run["errors"] + drops + run["monitor_failed"] + (run["finish_reason"] != "finished")


def render_report(runs: list[dict], *, days: float, now: float, source: str = "") -> str:
    spiders = sorted({r["spider"] for r in runs})
    by_spider = defaultdict(list)
    for run in runs:
        by_spider[run["spider"]].append(run)
    written = sum(r["written"] for r in runs)
    failed_runs = [r for r in runs if r["monitor_failed"] or r["finish_reason"] != "finished"]
    cards = [
        ("runs", len(runs)), ("spiders", len(spiders)), ("posts written", written),
        ("items dropped", sum(r["dropped"] for r in runs)), ("errors", sum(r["errors"] for r in runs)),
        ("failed runs", len(failed_runs)),
    ]
    top = sorted(spiders, key=lambda s: -sum(r["written"] + failures(r) for r in by_spider[s]))
    charts = [
        ("Posts written per spider over time", time_chart(runs, top, lambda r: r["written"], "posts written", "line")),
        ("Failures per spider over time", time_chart(runs, top, failures,
                                                     "errors + dropped items + failed checks", "bars")),
        ("Slowest spiders", duration_chart(by_spider)),
    ]
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        "<title>finews crawl report</title>", f"<style>{_CSS}</style></head>",
        '<body data-charts="%d">' % len(charts),
        "<header><h1>finews crawl report</h1>",
        f"<p>{len(runs)} runs in the last {days:g} days, generated {_fmt_time(now)} UTC"
        f"{' from ' + escape(source) if source else ''}</p></header>",
        '<section class="cards">' + "".join(
            f'<div class="card"><b>{value}</b><span>{escape(label)}</span></div>' for label, value in cards
        ) + "</section>",
    ]
    for title, svg in charts:
        parts.append(f'<section class="chart"><h2>{escape(title)}</h2>{svg}</section>')
    parts.append(spider_table(by_spider))
    parts.append(failed_table(failed_runs))
    parts.append(f"<script>{_SCRIPT}</script></body></html>")
    return "\n".join(parts)


def spider_table(by_spider) -> str:
    rows = []
    for spider in sorted(by_spider):
        runs = by_spider[spider]
        drops = defaultdict(int)
        for run in runs:
            for reason, count in run["drops"].items():
                drops[reason] += count
        last = max(runs, key=lambda r: r["finished_at"])
        rows.append(
            "<tr>" + "".join(f"<td>{cell}</td>" for cell in (
                escape(spider), len(runs), _fmt_time(last["finished_at"]), escape(str(last["finish_reason"])),
                sum(r["pages"] for r in runs), sum(r["items"] for r in runs), sum(r["written"] for r in runs),
                escape(", ".join(f"{k} {v}" for k, v in sorted(drops.items(), key=lambda kv: -kv[1])) or "-"),
                sum(r["errors"] for r in runs), f"{statistics.median(r['duration'] for r in runs):.1f} s",
                sum(1 for r in runs if r["monitor_failed"]),
            )) + "</tr>"
        )
    head = "".join(f"<th>{h}</th>" for h in ("spider", "runs", "last run", "last finish", "pages", "items",
                                               "written", "drops by reason", "errors", "median duration",
                                               "runs failing checks"))
    return f'<section><h2>Spiders</h2><table><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></section>'


def failed_table(failed_runs) -> str:
    if not failed_runs:
        return "<section><h2>Failed runs</h2><p>None in this period.</p></section>"
    rows = []
    for run in sorted(failed_runs, key=lambda r: -r["finished_at"])[:50]:
        checks = ", ".join(sorted(run["monitor"])) or "-"
        rows.append(f"<tr><td>{_fmt_time(run['finished_at'])}</td><td>{escape(run['spider'])}</td>"
                    f"<td>{escape(str(run['finish_reason']))}</td><td>{escape(checks)}</td>"
                    f"<td>{run['errors']}</td><td>{escape(str(run['worker'] or ''))}</td></tr>")
    return ("<section><h2>Failed runs</h2><table><thead><tr><th>finished</th><th>spider</th><th>finish reason"
            "</th><th>failed checks</th><th>errors</th><th>worker</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table></section>")


# --- charts -------------------------------------------------------------------------------------
W, H = 900, 300
LEFT, RIGHT, TOP, BOTTOM = 56, 170, 16, 40


def _fmt_time(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%d %H:%M")


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _bucket(span: float) -> int:
    """The finest step that keeps a chart to about a month of daily points."""
    for step in _STEPS:
        if span / step <= 32:
            return step
    return _STEPS[-1]


def time_chart(runs, spiders, value, unit: str, kind: str) -> str:
    if not runs:
        return _empty_chart()
    start = min(r["finished_at"] for r in runs)
    end = max(r["finished_at"] for r in runs)
    step = _bucket(end - start)
    first = int(start // step) * step
    count = int((end - first) // step) + 1
    shown = spiders[:MAX_SERIES]
    names = shown + (["others"] if len(spiders) > MAX_SERIES else [])
    series = {name: [0.0] * count for name in names}
    ran = {name: [False] * count for name in names}  # a bucket without a run is a gap, not a 0
    for run in runs:
        name = run["spider"] if run["spider"] in shown else "others"
        i = int((run["finished_at"] - first) // step)
        series[name][i] += value(run)
        ran[name][i] = True
    if kind == "bars":
        top = max(sum(series[n][i] for n in names) for i in range(count))
    else:
        top = max(max(v) for v in series.values())
    ymax = _nice_max(top)
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM

    def x(i):
        return LEFT + (i + 0.5) * pw / count

    def y(v):
        return TOP + ph - v / ymax * ph

    out = [_svg_open(f"{unit} per {_step_name(step)}"), _axes(ymax, unit)]
    for i in _tick_indexes(count):
        out.append(f'<text class="tick" x="{x(i):.1f}" y="{H - BOTTOM + 16}" text-anchor="middle">'
                   f"{escape(_fmt_time(first + i * step))[5 if step < 86400 else 0:16 if step < 86400 else 10]}</text>")
    if kind == "bars":
        width = max(1.0, pw / count * 0.8)
        base = [0.0] * count
        for n, name in enumerate(names):
            color = PALETTE[n % len(PALETTE)]
            for i, v in enumerate(series[name]):
                if v:
                    out.append(f'<rect class="bar" x="{x(i) - width / 2:.1f}" y="{y(base[i] + v):.1f}" '
                               f'width="{width:.1f}" height="{max(0.5, v / ymax * ph):.1f}" fill="{color}">'
                               f"<title>{escape(name)} {escape(_fmt_time(first + i * step))}: {v:g}</title></rect>")
                    base[i] += v
    else:
        for n, name in enumerate(names):
            color = PALETTE[n % len(PALETTE)]
            path = " ".join(
                f"{'L' if i and ran[name][i - 1] else 'M'}{x(i):.1f},{y(v):.1f}"
                for i, v in enumerate(series[name]) if ran[name][i]
            )
            out.append(f'<path class="series" fill="none" stroke="{color}" stroke-width="2" d="{path}">'
                       f"<title>{escape(name)}</title></path>")
            for i, v in enumerate(series[name]):
                if ran[name][i]:
                    out.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="2.5" fill="{color}">'
                               f"<title>{escape(name)} {escape(_fmt_time(first + i * step))}: {v:g}</title></circle>")
    out.append(_legend(names))
    out.append("</svg>")
    return "".join(out)


def duration_chart(by_spider) -> str:
    if not by_spider:
        return _empty_chart()
    rows = sorted(
        ((spider, statistics.median(r["duration"] for r in runs), max(r["duration"] for r in runs))
         for spider, runs in by_spider.items()),
        key=lambda row: -row[1],
    )[:15]
    height = TOP + 24 * len(rows) + BOTTOM
    xmax = _nice_max(max(row[2] for row in rows))
    pw = W - 200 - 80
    out = [f'<svg class="chart" role="img" viewBox="0 0 {W} {height}" width="{W}" height="{height}" '
           f'xmlns="http://www.w3.org/2000/svg"><desc>median and longest run duration per spider</desc>']
    for i, (spider, median, longest) in enumerate(rows):
        top = TOP + 24 * i
        out.append(f'<text class="label" x="194" y="{top + 15}" text-anchor="end">{escape(spider)}</text>')
        out.append(f'<rect class="bar" x="200" y="{top + 3}" width="{max(1.0, median / xmax * pw):.1f}" height="16" '
                   f'fill="{PALETTE[0]}"><title>{escape(spider)}: median {median:.1f} s</title></rect>')
        out.append(f'<line x1="{200 + longest / xmax * pw:.1f}" x2="{200 + longest / xmax * pw:.1f}" y1="{top + 1}" '
                   f'y2="{top + 21}" stroke="{PALETTE[3]}" stroke-width="2"><title>{escape(spider)}: longest '
                   f"{longest:.1f} s</title></line>")
        out.append(f'<text class="tick" x="{200 + max(median, longest) / xmax * pw + 6:.1f}" y="{top + 15}">'
                   f"{median:.1f} s</text>")
    axis_y = TOP + 24 * len(rows) + 4
    out.append(f'<line class="axis" x1="200" x2="{200 + pw}" y1="{axis_y}" y2="{axis_y}"/>')
    for k in range(5):
        v = xmax * k / 4
        out.append(f'<text class="tick" x="{200 + v / xmax * pw:.1f}" y="{axis_y + 16}" text-anchor="middle">'
                   f"{v:g} s</text>")
    out.append(f'<text class="tick" x="{200 + pw}" y="{axis_y + 32}" text-anchor="end">bar: median run, '
               "red mark: longest run</text></svg>")
    return "".join(out)


def _svg_open(desc: str) -> str:
    return (f'<svg class="chart" role="img" viewBox="0 0 {W} {H}" width="{W}" height="{H}" '
            f'xmlns="http://www.w3.org/2000/svg"><desc>{escape(desc)}</desc>')


def _axes(ymax: float, unit: str) -> str:
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM
    out = [f'<line class="axis" x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{TOP + ph}"/>',
           f'<line class="axis" x1="{LEFT}" x2="{LEFT + pw}" y1="{TOP + ph}" y2="{TOP + ph}"/>']
    for k in range(5):
        v = ymax * k / 4
        yy = TOP + ph - ph * k / 4
        out.append(f'<line class="grid" x1="{LEFT}" x2="{LEFT + pw}" y1="{yy:.1f}" y2="{yy:.1f}"/>')
        out.append(f'<text class="tick" x="{LEFT - 6}" y="{yy + 4:.1f}" text-anchor="end">{v:g}</text>')
    out.append(f'<text class="tick" x="{LEFT}" y="{TOP - 4}">{escape(unit)}</text>')
    return "".join(out)


def _legend(names) -> str:
    out = []
    for n, name in enumerate(names):
        yy = TOP + 18 * n
        out.append(f'<rect x="{W - RIGHT + 14}" y="{yy}" width="12" height="12" fill="{PALETTE[n % len(PALETTE)]}"/>'
                   f'<text class="label" x="{W - RIGHT + 32}" y="{yy + 11}">{escape(name[:22])}</text>')
    return "".join(out)


def _tick_indexes(count: int) -> list[int]:
    every = max(1, count // 6)
    return list(range(0, count, every))


def _step_name(step: int) -> str:
    return {60: "minute", 300: "5 minutes", 900: "15 minutes", 3600: "hour", 10800: "3 hours",
            21600: "6 hours", 86400: "day", 604800: "week"}[step]


def _empty_chart() -> str:
    return (f'{_svg_open("no runs")}<text class="label" x="{W / 2}" y="{H / 2}" text-anchor="middle">'
            "no runs in this period</text></svg>")


_CSS = """
body { font-family: system-ui, sans-serif; margin: 24px; color: #222; background: #fafafa; }
header p { color: #666; margin-top: -8px; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; margin: 16px 0; }
.card { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 10px 16px; min-width: 110px; }
.card b { display: block; font-size: 24px; } .card span { color: #666; font-size: 13px; }
section.chart { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 8px 16px; margin: 16px 0;
  max-width: 920px; }
h2 { font-size: 17px; }
svg .axis { stroke: #444; } svg .grid { stroke: #eee; }
svg .tick, svg .label { font-size: 11px; fill: #444; }
table { border-collapse: collapse; background: #fff; font-size: 13px; }
th, td { border: 1px solid #ddd; padding: 4px 8px; text-align: right; } th { background: #f0f0f0; }
td:first-child, th:first-child { text-align: left; }
"""

# Marks the page once the browser has laid the charts out (non-empty boxes), so a headless check
# can tell "rendered" from "present in the file".
_SCRIPT = """
(function () {
  var drawn = 0;
  document.querySelectorAll('svg.chart').forEach(function (svg) {
    var box = svg.getBBox();
    if (box.width > 0 && box.height > 0 && svg.querySelectorAll('rect.bar, path.series').length) drawn++;
  });
  document.body.setAttribute('data-charts-rendered', String(drawn));
})();
"""
