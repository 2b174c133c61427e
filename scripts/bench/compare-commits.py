#!/usr/bin/env python3
"""Summarises a scripts/bench/compare-commits.sh run: prints the comparison table and writes OUTDIR/summary.md.

Usage: scripts/bench/compare-commits.py OUTDIR

Reads OUTDIR/runs.tsv and, for every run, its JSON (msgs/s and allocated bytes/msg, the harness's median over its own
--repeat) and its stderr log (client CPU us/msg, which the harness prints in its table but keeps out of the JSON).
For each configuration, mode and connection count: the median over runs for base and head, the range (min-max)
of the runs, head/base (ratio of the medians) with the range of the per-round ratios (base and head of one round
ran back to back), how many rounds head was slower, and, for modes other than the control (mailkit-reuse, the same
raw MailKit code in both builds), head/base divided by the control's head/base at the same connection count.
Standard library only.
"""

import csv
import json
import re
import statistics
import sys
from collections import OrderedDict
from pathlib import Path

CONTROL = "mailkit-reuse"
METRICS = ("msgs", "alloc", "cpu")


def parse_table(log_text):
    """The harness's stderr table -> {(mode, connections): cpu_us_per_msg or None}."""
    lines = log_text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("Throughput to ")), None)
    if start is None or start + 1 >= len(lines):
        return {}
    header = re.split(r"\s{2,}", lines[start + 1].strip())
    try:
        mode_col = header.index("mode")
        conn_col = header.index("connections")
        cpu_col = header.index("client CPU us/msg")
    except ValueError:
        return {}
    result = {}
    for line in lines[start + 3:]:
        if not line.strip() or line.startswith("* "):
            break
        cells = re.split(r"\s{2,}", line.strip())
        if len(cells) != len(header):
            continue
        cpu = cells[cpu_col].replace(",", "")
        try:
            result[(cells[mode_col], int(cells[conn_col]))] = float(cpu) if cpu != "-" else None
        except ValueError:
            continue
    return result


def harness_notes(log_text):
    # Ports, temporary folders and connection counts differ from run to run; without them the notes collapse.
    notes = []
    for line in log_text.splitlines():
        if line.startswith("* ") and not line.startswith("* client CPU us/msg:"):
            note = re.sub(r"(127\.0\.0\.1|localhost):\d+", r"\1:PORT", line[2:].strip())
            note = re.sub(r"mailsender-bench-[A-Za-z0-9]+", "mailsender-bench-*", note)
            note = re.sub(r" x\d+: ", " xN: ", note)
            notes.append(re.sub(r"maxConnections=\d+", "maxConnections=N", note))
    return notes


def fmt_num(value):
    if value is None:
        return "-"
    return f"{value:,.0f}"


def fmt_ratio(value):
    return "-" if value is None else f"{value:.3f}x"


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def ratio(head, base):
    return None if head is None or not base else head / base


def cell(values):
    """median (min-max) of the per-run values."""
    values = [v for v in values if v is not None]
    if not values:
        return "-"
    if len(values) == 1:
        return fmt_num(values[0])
    return f"{fmt_num(statistics.median(values))} ({fmt_num(min(values))}–{fmt_num(max(values))})"


def ratio_cell(value, paired):
    if value is None:
        return "-"
    paired = [p for p in paired if p is not None]
    if len(paired) < 2:
        return fmt_ratio(value)
    return f"{fmt_ratio(value)} ({min(paired):.2f}–{max(paired):.2f})"


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    out_dir = Path(sys.argv[1])
    with open(out_dir / "runs.tsv", newline="") as f:
        runs = list(csv.DictReader(f, delimiter="\t"))

    # data[config][(mode, connections)][side][round] = {"msgs": .., "alloc": .., "cpu": ..}
    data = OrderedDict()
    rounds = OrderedDict()
    problems = []
    notes = OrderedDict()
    for run in runs:
        config, side, rnd = run["config"], run["side"], int(run["round"])
        rounds.setdefault(config, set()).add(rnd)
        per_config = data.setdefault(config, OrderedDict())
        label = f"{config} round {rnd} {side} ({run['log']})"
        if run["exit"] != "0":
            problems.append(f"{label}: exit code {run['exit']}")
        log_path = out_dir / run["log"]
        log_text = log_path.read_text(errors="replace") if log_path.exists() else ""
        for note in harness_notes(log_text):
            notes.setdefault(f"{config}: {note}", set()).add(side)
        try:
            results = json.loads((out_dir / run["json"]).read_text())
        except (OSError, ValueError):
            problems.append(f"{label}: no JSON results")
            continue
        cpu = parse_table(log_text)
        for r in results:
            key = (r["mode"], int(r["connections"]))
            per_config.setdefault(key, {"base": {}, "head": {}})[side][rnd] = {
                "msgs": r.get("msgsPerSec"),
                "alloc": r.get("allocatedBytesPerMessage"),
                "cpu": cpu.get(key),
            }

    rows = []
    stats = {}
    for config, pairs in data.items():
        keys = sorted(pairs, key=lambda k: ([m for m, _ in pairs].index(k[0]), k[1]))
        for key in keys:
            sides = pairs[key]
            s = {}
            for metric in METRICS:
                base_vals = [v[metric] for v in sides["base"].values()]
                head_vals = [v[metric] for v in sides["head"].values()]
                paired = [ratio(sides["head"][r][metric], sides["base"][r][metric])
                          for r in sorted(rounds[config]) if r in sides["base"] and r in sides["head"]]
                s[metric] = {
                    "base": base_vals, "head": head_vals,
                    "ratio": ratio(median(head_vals), median(base_vals)),
                    "paired": [p for p in paired if p is not None],
                }
            stats[(config, key)] = s

    header = ["config", "mode", "N",
              "msg/s base", "msg/s head", "head/base (rounds)", "head slower", "vs control",
              "B/msg base", "B/msg head", "head/base (rounds)",
              "CPU us/msg base", "CPU us/msg head", "head/base (rounds)"]
    for (config, key), s in stats.items():
        mode, connections = key
        control = stats.get((config, (CONTROL, connections)))
        vs_control = "control" if mode == CONTROL else "-"
        if mode != CONTROL and control and control["msgs"]["ratio"] and s["msgs"]["ratio"] is not None:
            vs_control = fmt_ratio(s["msgs"]["ratio"] / control["msgs"]["ratio"])
        slower = s["msgs"]["paired"]
        rows.append([
            config, mode, str(connections),
            cell(s["msgs"]["base"]), cell(s["msgs"]["head"]), ratio_cell(s["msgs"]["ratio"], s["msgs"]["paired"]),
            f"{sum(1 for p in slower if p < 1)}/{len(slower)}" if slower else "-", vs_control,
            cell(s["alloc"]["base"]), cell(s["alloc"]["head"]), ratio_cell(s["alloc"]["ratio"], s["alloc"]["paired"]),
            cell(s["cpu"]["base"]), cell(s["cpu"]["head"]), ratio_cell(s["cpu"]["ratio"], s["cpu"]["paired"]),
        ])

    def md_table(header, rows):
        right = [i >= 2 for i in range(len(header))]
        widths = [max(3, len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
        def line(cells):
            return "| " + " | ".join(c.rjust(w) if r else c.ljust(w) for c, w, r in zip(cells, widths, right)) + " |"
        sep = "| " + " | ".join(("-" * (w - 1) + ":") if r else "-" * w for w, r in zip(widths, right)) + " |"
        return "\n".join([line(header), sep] + [line(r) for r in rows])

    machine = (out_dir / "machine.txt").read_text() if (out_dir / "machine.txt").exists() else ""
    def machine_field(name):
        m = re.search(rf"^{name}: (.*)$", machine, re.M)
        return m.group(1) if m else "?"

    n_rounds = max((len(r) for r in rounds.values()), default=0)
    out = []
    out.append("# MailSender throughput: head against base, same session")
    out.append("")
    out.append(f"- base: {machine_field('base')}")
    out.append(f"- head: {machine_field('head')}")
    out.append(f"- {machine_field('arguments')}")
    out.append(f"- machine: {machine_field('nproc')} cores, {machine_field('cpu')}, .NET SDK {machine_field('dotnet sdk')}; "
               f"load {machine_field('load before')} before, {machine_field('load after')} after; runs: {machine_field('runs')}")
    if "note:" in machine:
        out.append(f"- **note: {machine_field('note')}**")
    out.append("")
    out.append(f"Each cell: median over the {n_rounds} runs per revision (each run one harness process, its value the "
               "harness's median of INNER_REPEAT timed runs), with the range (min–max) of the runs in brackets. "
               "head/base: ratio of the medians, in brackets the range of the per-round ratios (base and head of a "
               "round ran back to back). \"head slower\": rounds in which head sent fewer msg/s than base. "
               f"\"vs control\": head/base divided by {CONTROL}'s head/base at the same N in the same configuration. "
               f"{CONTROL} is raw MailKit, the same code in both builds: its head/base is the noise of this run.")
    out.append("")
    out.append(md_table(header, rows))
    out.append("")
    noise = []
    for metric, name in (("msgs", "msg/s"), ("alloc", "B/msg"), ("cpu", "CPU us/msg")):
        cells = [s[metric]["ratio"] for (_, key), s in stats.items() if key[0] == CONTROL and s[metric]["ratio"] is not None]
        single = [p for (_, key), s in stats.items() if key[0] == CONTROL for p in s[metric]["paired"]]
        if cells:
            noise.append(f"{name} {min(cells):.3f}x to {max(cells):.3f}x over {len(cells)} cells"
                         + (f" (single rounds {min(single):.2f}x to {max(single):.2f}x)" if single else ""))
    if noise:
        out.append(f"Noise, from the control {CONTROL} (head/base): " + "; ".join(noise) + ". "
                   "A head/base of mailsender outside that band, and in the same direction in most rounds, is more "
                   "than noise; otherwise re-run with more rounds (REPEAT) or longer timed runs before concluding. "
                   f"Identical builds show \"head slower {n_rounds}/{n_rounds}\" by chance in 1 row of "
                   f"{2 ** n_rounds} on average.")
        out.append("")
    if problems:
        out.append("Problems:")
        out.extend(f"- {p}" for p in problems)
        out.append("")
    if notes:
        out.append("Harness notes:")
        out.extend(f"- {note} ({'/'.join(sorted(sides))})" for note, sides in notes.items())
        out.append("")
    text = "\n".join(out)
    (out_dir / "summary.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
