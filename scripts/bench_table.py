#!/usr/bin/env python3
"""Prints the benchmarks of one run as one Markdown table: each figure beside
its baseline from the same run, the ratio, and the target it is held to.

    bench_table.py RESULTS.json...   (Google Benchmark --benchmark_out files)
scripts/bench.sh writes them and calls this at the end.
"""
import json
import re
import sys

results = {}
for path in sys.argv[1:]:
    with open(path) as f:
        text = f.read()
    if not text.strip():  # a filter that matched nothing in that binary
        continue
    for b in json.loads(text)["benchmarks"]:
        if b.get("run_type", "iteration") != "iteration" or b.get("error_occurred"):
            continue
        name = re.sub(r"/(iterations:\d+|real_time|min_time:[\d.]+s?)", "", b["name"])
        results[name] = b


def seconds(b):
    scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b["time_unit"]]
    return b["real_time"] * scale


def rate(b):
    return b.get("items_per_second") or 1 / seconds(b)


def si(x, unit):
    for factor, prefix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if x >= factor:
            return f"{x / factor:.3g} {prefix}{unit}"
    return f"{x:.3g} {unit}"


def duration(s):
    return f"{s * 1e3:.3g} ms" if s < 1 else f"{s:.3g} s"


# (what, size label, benchmark, baseline, how to show, target text, target check)
rows = []
for n in (100, 1000, 10000):
    rows.append(("invoice generation (subscription-months/s)", f"{n} accounts x 12 months",
                 f"BM_InvoiceMonths/{n}", f"BM_InvoiceMonths_Baseline/{n}", "rate",
                 "≥ 2 M/s" if n == 10000 else "≥ 1 M/s",
                 lambda b, base, n=n: rate(b) >= (2e6 if n == 10000 else 1e6)))
for n in (100, 1000, 10000):
    rows.append(("invoice generation, no invoice history kept", f"{n} accounts x 12 months",
                 f"BM_InvoiceMonthsUnkept/{n}", f"BM_InvoiceMonths_Baseline/{n}", "rate",
                 "≥ 2 M/s" if n == 10000 else "≥ 1 M/s",
                 lambda b, base, n=n: rate(b) >= (2e6 if n == 10000 else 1e6)))
rows.append(("5-tier graduated rating (ratings/s)", "one rating", "BM_RateGraduated5",
             "BM_RateGraduated5_Double", "rate", "≥ 10 M/s", lambda b, base: rate(b) >= 10e6))
for n in (100_000, 1_000_000, 10_000_000):
    rows.append(("aggregate + rate usage (events/s)", f"{n:,} events", f"BM_AggregateAndRate/{n}",
                 f"BM_AggregateAndRate_Double/{n}", "rate", "", None))
for n in (10_000, 100_000, 1_000_000):
    rows.append(("usage ingestion into SQLite (events/s)", f"{n:,} events", f"BM_IngestStore/{n}",
                 f"BM_IngestRaw/{n}", "rate", "≥ 50 % of raw", lambda b, base: rate(b) >= 0.5 * rate(base)))
for n in (256, 4096, 65536):
    rows.append(("webhook verification", f"{n} B payload", f"BM_VerifyWebhook/{n}", f"BM_RawHmac/{n}",
                 "time", "≥ 90 % of raw HMAC", lambda b, base: seconds(base) >= 0.9 * seconds(b)))
for n in (1_000, 10_000, 100_000, 1_000_000):
    rows.append(("billing run on SQLite (synchronous NORMAL), every charge declined",
                 f"{n:,} accounts", f"BM_BillingRun/{n}/0", f"BM_BillingRunFloor/{n}/0", "floor",
                 "100 k accounts ≤ 3 s" if n == 100_000 else "",
                 (lambda b, base: seconds(b) <= 3) if n == 100_000 else None))
for n in (1_000, 10_000, 100_000):
    rows.append(("billing run on SQLite (synchronous NORMAL), every charge paid", f"{n:,} accounts",
                 f"BM_BillingRunPaid/{n}", f"BM_BillingRunFloor/{n}/1", "floor",
                 "100 k accounts ≤ 3 s" if n == 100_000 else "",
                 (lambda b, base: seconds(b) <= 3) if n == 100_000 else None))
for n in (1_000, 10_000):
    rows.append(("billing run on SQLite (synchronous FULL)", f"{n:,} accounts", f"BM_BillingRun/{n}/1",
                 None, "run", "", None))
for n in (10_000, 100_000, 1_000_000):
    rows.append(("usage ingestion into PostgreSQL (events/s)", f"{n:,} events", f"BM_IngestPostgres/{n}",
                 f"BM_IngestPostgresCopy/{n}", "rate", "≥ 50 % of COPY",
                 lambda b, base: rate(b) >= 0.5 * rate(base)))
# Issue #18: the cost of an account follows recent activity, not its age.
for m in (1, 12, 36):
    rows.append(("daily run by account age, 20 accounts", f"{m} month{'s' if m > 1 else ''}",
                 f"BM_RunByAge/{m}", "BM_RunByAge/1", "age", "36 months ≤ 1.2× 1 month" if m == 36 else "",
                 (lambda b, base: seconds(b) <= 1.2 * seconds(base)) if m == 36 else None))
for m in (1, 12, 36):
    rows.append(("dry run by account age, 20 accounts", f"{m} month{'s' if m > 1 else ''}",
                 f"BM_DryRunByAge/{m}", "BM_DryRunByAge/1", "age", "", None))
for m in (1, 12, 36):
    rows.append(("invoices read back by account age, 20 accounts", f"{m} month{'s' if m > 1 else ''}",
                 f"BM_InvoicesByAge/{m}", "BM_InvoicesByAge/1", "age", "", None))
for n in (1, 2, 4):
    rows.append(("billing run on PostgreSQL, 2,000 accounts", f"{n} worker{'s' if n > 1 else ''}",
                 f"BM_BillingRunWorkers/{n}", "BM_BillingRunWorkers/1", "run", "", None))

print("| benchmark | size | Tollgate | baseline (same run) | ratio | target |")
print("|---|---|---|---|---|---|")
for what, size, name, base_name, how, target, check in rows:
    b = results.get(name)
    if not b:
        continue
    base = results.get(base_name) if base_name else None
    if how == "rate":
        mine, theirs = si(rate(b), "/s"), si(rate(base), "/s") if base else ""
        r = rate(b) / rate(base) if base else None
        ratio = "" if r is None else f"{r:.2f}×" if r >= 0.1 else f"1/{1 / r:,.0f}"
    elif how == "time":
        mine, theirs = f"{seconds(b) * 1e6:.3g} µs", f"{seconds(base) * 1e6:.3g} µs" if base else ""
        ratio = f"{100 * seconds(base) / seconds(b):.0f} %" if base else ""
    elif how == "age":  # the cost at this age against the cost at one month
        mine, theirs = duration(seconds(b)), duration(seconds(base)) if base else ""
        ratio = f"{seconds(b) / seconds(base):.2f}× the cost" if base else ""
    elif how == "floor":  # a run against the rows it must write, written raw
        mine = f"{duration(seconds(b))} ({si(rate(b), ' accounts/s').replace('  ', ' ')})"
        theirs = f"writes alone: {duration(seconds(base))}" if base else ""
        ratio = f"{seconds(b) / seconds(base):.2f}× the floor" if base else ""
    else:  # a run: its duration, and its cost per item to show how it grows
        mine = f"{duration(seconds(b))} ({si(rate(b), ' accounts/s').replace('  ', ' ')})"
        theirs = duration(seconds(base)) if base else ""
        ratio = f"{seconds(base) / seconds(b):.2f}× faster" if base else ""
    verdict = "" if not check else (" — met" if check(b, base) else " — **not met**")
    print(f"| {what} | {size} | {mine} | {theirs} | {ratio} | {target}{verdict} |")
