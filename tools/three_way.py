#!/usr/bin/python3
"""The architect's three-way table (issue 15, docs/validation.md): every bundled network on
SmartExchange, Eyeriss and SCNN at one technology table, clock and DRAM, at iso-MAC and at
iso-area, through `sxsim compare` (one compare per network and normalization).

Writes into OUT:
  <norm>/<network>/           the compare outputs (compare.json, compare.csv, report.md, points/)
  three_way.md                per network and normalization: latency and energy of each design
                              and its ratio to SmartExchange (design / SmartExchange: above 1
                              means SmartExchange is better), area and static power, and the
                              whole-network energy per class (uJ)
  three_way.json              the same figures for tools

Usage (from the repository root, after building sxsim):
  /usr/bin/python3 tools/three_way.py --sxsim build-perf/sxsim --out /tmp/three-way \
      --iso-macs 1024 --iso-area 2.2297 -j 2
  /usr/bin/python3 tools/three_way.py ... --models alexnet,resnet18      # a subset

Exit codes: 0 success, 2 bad arguments (message names the option), 1 a compare failed.
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import time

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
DESIGNS = ("smartexchange", "eyeriss", "scnn")
# No launch reordering here: compare launches its points longest expected first itself
# (sw/workflow/point_cost.h: workload MACs x a per-dataflow factor, so SCNN first), which this
# script did by hand before (on 2 cores VGG-16's compare took 53 s with SCNN, its 35 s point,
# started after SmartExchange's 18 s one, 38 s with SCNN first; docs/performance.md, "The
# architect's table").
# The energy classes in the order of the traces' columns (sw/common/model_stats.h); any other
# class a compare.json reports is appended after them.
CLASS_ORDER = ("dram", "input_buffer", "output_buffer", "weight_buffer", "index_buffer", "register_file", "fifo",
               "noc", "rebuild", "index_decoder", "pe_array", "leakage")


def bad(option, msg):
    print(f"three_way.py: {option}: {msg}", file=sys.stderr)
    sys.exit(2)


def run_compare(args, model, norm_name, norm_opts):
    out = os.path.join(args.out, norm_name, os.path.splitext(os.path.basename(model))[0])
    cmd = [args.sxsim, "compare", "--model", model, "--reference", "smartexchange", "-j", str(args.jobs),
           "--out", out, "--same-tech", args.tech, "--same-clock", str(args.clock), "--same-dram", args.dram]
    for d in DESIGNS:
        cmd += ["--arch", os.path.join(REPO, "configs", d + ".json")]
    cmd += norm_opts
    t0 = time.time()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    print(f"  {norm_name:10s} {os.path.basename(model):22s} {time.time() - t0:6.1f} s  exit {p.returncode}",
          flush=True)
    if p.returncode != 0:
        sys.stderr.write(p.stdout[-2000:] + p.stderr[-2000:])
        return None
    with open(os.path.join(out, "compare.json")) as f:
        return json.load(f)


def summarize(doc):
    rows = []
    rank = {name: i for i, name in enumerate(DESIGNS)}
    for d in sorted(doc["designs"], key=lambda d: rank.get(d["name"], len(DESIGNS))):
        if d["status"] != "ok":
            rows.append({"design": d["name"], "status": d["status"], "error": d.get("error", "")})
            continue
        t = d["total"]
        r = d.get("total_ratios", {})
        rows.append({
            "design": d["name"], "status": "ok", "mac_units": d.get("mac_units"),
            "area_mm2": t.get("area_mm2"), "static_power_mw": t.get("static_power_mw"),
            "latency_us": t["latency_us"], "energy_uj": t["energy_total_pj"] * 1e-6,
            "latency_ratio": r.get("latency"), "energy_ratio": r.get("energy"),
            "energy_uj_by_class": {k: v * 1e-6 for k, v in t["energy_pj"].items()},
        })
    return rows


def fmt(v, digits=2):
    if v is None:
        return "-"
    return f"{v:,.{digits}f}"


def markdown(results, classes):
    lines = []
    for norm, per_model in results.items():
        lines.append(f"### {norm}\n")
        lines.append("| network | design | MAC units | area mm^2 | static mW | latency us | energy uJ | "
                     "latency / SE | energy / SE |")
        lines.append("|---|---|---:|---:|---:|---:|---:|---:|---:|")
        for model, rows in per_model.items():
            for r in rows:
                if r["status"] != "ok":
                    lines.append(f"| {model} | {r['design']} | failed: {r['error']} |||||||")
                    continue
                lines.append(f"| {model} | {r['design']} | {r['mac_units']} | {fmt(r['area_mm2'])} | "
                             f"{fmt(r['static_power_mw'], 1)} | {fmt(r['latency_us'], 1)} | {fmt(r['energy_uj'], 1)} | "
                             f"{fmt(r['latency_ratio'])}x | {fmt(r['energy_ratio'])}x |")
        lines.append("")
        lines.append(f"Energy per class, uJ ({norm}):\n")
        lines.append("| network | design | " + " | ".join(classes) + " |")
        lines.append("|---|---|" + "---:|" * len(classes))
        for model, rows in per_model.items():
            for r in rows:
                if r["status"] != "ok":
                    continue
                e = r["energy_uj_by_class"]
                lines.append(f"| {model} | {r['design']} | " + " | ".join(fmt(e.get(c, 0), 1) for c in classes) + " |")
        lines.append("")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sxsim", default=os.path.join(REPO, "build", "sxsim"))
    ap.add_argument("--out", required=True)
    ap.add_argument("--tech", default=os.path.join(REPO, "configs/tech/horowitz45.json"))
    ap.add_argument("--clock", type=float, default=1000)
    ap.add_argument("--dram", default=os.path.join(REPO, "configs/dram/lpddr4-3200.json"))
    ap.add_argument("--iso-macs", type=int, default=1024)
    ap.add_argument("--iso-area", type=float, default=None, help="mm^2; omitted: iso-MAC only")
    ap.add_argument("--iso-area-pe-only", action="store_true",
                    help="scale only the PE arrays (default: PE arrays and global buffers by one factor, "
                         "compare --iso-area-scale-buffers)")
    ap.add_argument("--models", default="", help="comma-separated model names (default: every models/*.json)")
    ap.add_argument("-j", "--jobs", type=int, default=2)
    args = ap.parse_args()
    if not os.access(args.sxsim, os.X_OK):
        bad("--sxsim", f"'{args.sxsim}' is not an executable")
    for opt, path in (("--tech", args.tech), ("--dram", args.dram)):
        if not os.path.isfile(path):
            bad(opt, f"'{path}' does not exist")
    if args.iso_macs < 1:
        bad("--iso-macs", "expected a MAC count >= 1")
    if args.iso_area is not None and not args.iso_area > 0:
        bad("--iso-area", "expected an area in mm^2 > 0")
    models = sorted(glob.glob(os.path.join(REPO, "models", "*.json")))
    if args.models:
        want = set(args.models.split(","))
        unknown = want - {os.path.splitext(os.path.basename(m))[0] for m in models}
        if unknown:
            bad("--models", f"no models/<name>.json for {sorted(unknown)}")
        models = [m for m in models if os.path.splitext(os.path.basename(m))[0] in want]
    norms = {"iso-MAC": ["--iso-macs", str(args.iso_macs)]}
    if args.iso_area is not None:
        norms["iso-area"] = ["--iso-area", str(args.iso_area)] + ([] if args.iso_area_pe_only else ["--iso-area-scale-buffers"])
    os.makedirs(args.out, exist_ok=True)
    results, classes, failed = {}, list(CLASS_ORDER), False
    for norm, opts in norms.items():
        results[norm] = {}
        for m in models:
            doc = run_compare(args, m, norm, opts)
            name = os.path.splitext(os.path.basename(m))[0]
            if doc is None:
                failed = True
                continue
            rows = summarize(doc)
            results[norm][name] = rows
            for r in rows:
                for c in r.get("energy_uj_by_class", {}):
                    if c not in classes:
                        classes.append(c)
    with open(os.path.join(args.out, "three_way.json"), "w") as f:
        json.dump({"tech": args.tech, "clock_mhz": args.clock, "dram": args.dram, "results": results}, f, indent=1)
    with open(os.path.join(args.out, "three_way.md"), "w") as f:
        f.write(markdown(results, classes) + "\n")
    print(f"wrote {os.path.join(args.out, 'three_way.md')}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
