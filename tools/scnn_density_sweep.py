#!/usr/bin/python3
"""SCNN against DCNN and DCNN-opt across weight/activation density (issue 14, docs/validation.md).

For each density d (weight and activation density set together), writes a copy of the workload
with stats.weight_density = stats.activation_density = d on the selected compute layers, runs
`sxsim run` on each design (SCNN, DCNN, DCNN-opt) with a small process pool, and writes into OUT:
  density_sweep.csv  one row per (density, design, layer) plus a row per (density, design) with
                     layer "total": cycles, energy_pj and every numeric per-layer field of the
                     traces (run.json: the layers.csv columns and the design's `extra` counters),
                     taken generically so that counters added to a model appear without editing
                     this tool. Totals sum the additive fields; pe_utilization is cycle-weighted;
                     per-layer parameters (shape, Kc, tiles, ...) are left empty in totals.
  density_sweep.md   SCNN speedup and energy ratio against DCNN and DCNN-opt per density, and the
                     SCNN counters that bound the speedup (those present in the traces).
  density_sweep.png  speedup and energy ratio against density.
  runs/<design>-d<density>/  the traces of every run; workloads/ the generated workloads.

`sxsim sweep` varies configuration fields, not workload densities, hence the generated workloads.

Usage (from the repository root):
  /usr/bin/python3 tools/scnn_density_sweep.py --out out/density -j 2
  /usr/bin/python3 tools/scnn_density_sweep.py --out /tmp/d --densities 1.0,0.3 --layers conv3

Exit codes: 0 success, 2 bad arguments (message names the option), 1 a run failed.
numpy is not needed; matplotlib (Debian python3-matplotlib) for the plot.
"""
import argparse
import concurrent.futures
import csv
import json
import os
import subprocess
import sys

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
DESIGNS = ("scnn", "dcnn", "dcnn-opt")
# Per-layer parameters (not additive): left empty in the total rows.
NON_ADDITIVE = {"N", "C", "K", "H", "W", "R", "S", "P", "Q", "stride", "padding", "groups", "clock_mhz",
                "pe_utilization", "active_pes", "kc", "tile_rows", "tile_cols", "channel_split", "input_passes"}
# Identification and the two headline figures come first in the CSV.
LEAD = ["density", "design", "layer", "cycles", "energy_pj"]
SKIP = {"layer", "type", "simulated", "check", "extra", "energy_total_pj"}


class ArgError(Exception):
    pass


def parse_densities(text):
    try:
        values = [float(t) for t in text.split(",") if t.strip() != ""]
    except ValueError:
        raise ArgError("--densities: expected a comma-separated list of densities in (0, 1] such as "
                       "1.0,0.5,0.1, got '%s'" % text)
    if not values:
        raise ArgError("--densities: expected at least one density, got '%s'" % text)
    for v in values:
        if not (0.0 < v <= 1.0):
            raise ArgError("--densities: every density must be in (0, 1], got %g" % v)
    if len(set(values)) != len(values):
        raise ArgError("--densities: a density is listed twice in '%s'" % text)
    return values


def load_json(path, option):
    try:
        with open(path) as f:
            return json.load(f)
    except OSError as e:
        raise ArgError("%s: cannot read '%s': %s" % (option, path, e.strerror))
    except ValueError as e:
        raise ArgError("%s: '%s' is not valid JSON: %s" % (option, path, e))


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", required=True, help="output folder (created if missing)")
    p.add_argument("--sxsim", default=os.path.join(REPO, "build-perf", "sxsim"),
                   help="the built sxsim (default: build-perf/sxsim of this repository, a Release build)")
    p.add_argument("--model", default=os.path.join(REPO, "models", "alexnet.json"), help="workload JSON")
    p.add_argument("--scnn", default=os.path.join(REPO, "configs", "scnn.json"), help="SCNN configuration")
    p.add_argument("--dcnn", default=os.path.join(REPO, "configs", "dcnn.json"), help="DCNN configuration")
    p.add_argument("--dcnn-opt", default=os.path.join(REPO, "configs", "dcnn-opt.json"),
                   help="DCNN-opt configuration")
    p.add_argument("--densities", default="1.0,0.9,0.8,0.7,0.6,0.5,0.4,0.3,0.2,0.1",
                   help="weight = activation densities, comma-separated, each in (0, 1]")
    p.add_argument("--layers", default="conv1,conv2,conv3,conv4,conv5",
                   help="compute layers to simulate (comma-separated; default AlexNet CONV1-5)")
    p.add_argument("--seed", type=int, default=1, help="seed of the synthetic weights and activations")
    p.add_argument("--check", action="store_true", help="pass --check to sxsim (bit-exact outputs)")
    p.add_argument("-j", "--jobs", type=int, default=2, help="runs in parallel (default 2)")
    p.add_argument("--report-only", action="store_true",
                   help="do not simulate: rebuild the CSV, table and plot from the traces already in OUT/runs")
    p.add_argument("--timeout", type=float, default=1800, help="seconds per run (default 1800)")
    a = p.parse_args(argv)  # argparse exits 2 with a message on unknown/malformed options

    a.density_list = parse_densities(a.densities)
    if a.jobs < 1:
        raise ArgError("-j/--jobs: expected a positive number of parallel runs, got %d" % a.jobs)
    if a.timeout <= 0:
        raise ArgError("--timeout: expected a positive number of seconds, got %g" % a.timeout)
    if not (os.path.isfile(a.sxsim) and os.access(a.sxsim, os.X_OK)):
        raise ArgError("--sxsim: '%s' is not an executable file (build it: cmake --build build-perf "
                       "--target sxsim)" % a.sxsim)
    a.configs = {"scnn": a.scnn, "dcnn": a.dcnn, "dcnn-opt": a.dcnn_opt}
    for d, path in a.configs.items():
        if not os.path.isfile(path):
            raise ArgError("--%s: no such file '%s'" % (d, path))
    # PE count for the per-PE averages (run.json names the configuration, not its fields);
    # sxsim itself validates the configuration.
    scnn = load_json(a.scnn, "--scnn")
    pe = scnn.get("pe_array") if isinstance(scnn, dict) else None
    dims = [pe.get(k) for k in ("rows", "cols")] if isinstance(pe, dict) else []
    a.scnn_pes = dims[0] * dims[1] if len(dims) == 2 and all(type(x) is int for x in dims) else 0
    a.workload = load_json(a.model, "--model")
    layers = a.workload.get("layers") if isinstance(a.workload, dict) else None
    if not isinstance(layers, list):
        raise ArgError("--model: '%s' has no array /layers (expected a workload, docs/formats.md)" % a.model)
    by_name = {l.get("name"): l for l in layers if isinstance(l, dict)}
    a.layer_list = [t.strip() for t in a.layers.split(",") if t.strip()]
    if not a.layer_list:
        raise ArgError("--layers: expected at least one layer name, got '%s'" % a.layers)
    if len(set(a.layer_list)) != len(a.layer_list):
        raise ArgError("--layers: a layer is listed twice in '%s'" % a.layers)
    for name in a.layer_list:
        if name not in by_name:
            raise ArgError("--layers: '%s' is not a layer of %s (it has: %s)" %
                           (name, a.model, ", ".join(str(n) for n in by_name)))
        if by_name[name].get("type") not in ("conv", "fc"):
            raise ArgError("--layers: '%s' is a %s layer, expected a compute layer (conv or fc)" %
                           (name, by_name[name].get("type")))
    return a


def density_tag(d):
    return "d%.6g" % d


def write_workload(workload, layers, d, folder):
    """A copy of the workload with both densities of `layers` set to d."""
    w = json.loads(json.dumps(workload))
    for l in w["layers"]:
        if l.get("name") in layers:
            stats = dict(l.get("stats") or {})
            stats["weight_density"] = d
            stats["activation_density"] = d
            stats["source"] = "density sweep (tools/scnn_density_sweep.py): weight and activation density set to %g" % d
            l["stats"] = stats
    path = os.path.join(folder, "%s-%s.json" % (w.get("name", "model"), density_tag(d)))
    with open(path, "w") as f:
        json.dump(w, f, indent=1)
    return path


def run_point(sxsim, config, model, layers, out_dir, seed, check, timeout):
    cmd = [sxsim, "run", "--arch", config, "--model", model, "--out", out_dir, "--seed", str(seed), "--quiet"]
    for l in layers:
        cmd += ["--layer", l]
    if check:
        cmd.append("--check")
    try:
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timed out after %g s: %s" % (timeout, " ".join(cmd))
    if r.returncode != 0:
        return "exit %d: %s\n%s" % (r.returncode, " ".join(cmd), r.stdout.decode(errors="replace")[-2000:])
    return None


def layer_fields(layer):
    """Numeric fields of a run.json layer: top-level, then the design's `extra` counters."""
    f = {"cycles": layer["cycles"], "energy_pj": layer["energy_total_pj"]}
    for k, v in layer.items():
        if k not in SKIP and k not in f and isinstance(v, (int, float)) and not isinstance(v, bool):
            f[k] = v
    for k, v in (layer.get("extra") or {}).items():
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            f[k if k not in f else "extra_" + k] = v
    return f


def total_fields(rows):
    t = {}
    cycles = sum(r["cycles"] for r in rows)
    for r in rows:
        for k, v in r.items():
            if k in NON_ADDITIVE:
                continue
            t[k] = t.get(k, 0) + v
    if cycles and all("pe_utilization" in r for r in rows):
        t["pe_utilization"] = sum(r["pe_utilization"] * r["cycles"] for r in rows) / cycles
    return t


def collect(run_dir, layers):
    with open(os.path.join(run_dir, "run.json")) as f:
        run = json.load(f)
    rows = []
    for l in run["layers"]:
        if l.get("simulated") and l.get("layer") in layers:
            rows.append((l["layer"], layer_fields(l)))
    return rows


def fmt(v):
    if isinstance(v, float):
        # Counters arrive as JSON doubles (run.json `extra`): integral ones are printed whole.
        return "%d" % v if v.is_integer() and abs(v) < 1e15 else "%.9g" % v
    return str(v)


def write_csv(path, records):
    cols = list(LEAD)
    for r in records:
        for k in r:
            if k not in cols:
                cols.append(k)
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(cols)
        for r in records:
            w.writerow([fmt(r[c]) if c in r else "" for c in cols])


def ratio(a, b):
    return a / b if b else float("nan")


def bound_columns(pes):
    """SCNN counters that say what bounds its time, each shown when its fields are in the traces:
    (heading, function of the SCNN total row -> text or None)."""
    def need(*keys):
        return lambda f: (lambda t: f(t) if all(k in t for k in keys) else None)
    pct = lambda x: "%.0f%%" % (100 * x)
    return [
        ("multiplier utilisation", need("pe_utilization")(lambda t: pct(t["pe_utilization"]))),
        ("useful products / issued slots", need("products", "multiplier_slots")(
            lambda t: pct(ratio(t["products"], t["multiplier_slots"])))),
        # array_cycles are issue cycles; a conflict holds the array for extra (stall) cycles.
        ("crossbar stalls / PE busy cycles", need("crossbar_conflict_stall_cycles", "array_cycles")(
            lambda t: pct(ratio(t["crossbar_conflict_stall_cycles"],
                                t["array_cycles"] + t["crossbar_conflict_stall_cycles"])))),
        ("busiest-PE cycles (with barriers) / cycles", need("group_busiest_pe_cycles_sum")(
            lambda t: pct(ratio(t["group_busiest_pe_cycles_sum"], t["cycles"])))),
        ("mean PE weight-wait / cycles", need("pe_wait_weight_cycles_sum")(
            lambda t: pct(ratio(t["pe_wait_weight_cycles_sum"], pes * t["cycles"])) if pes else None)),
        ("halo + PPU cycles", need("halo_cycles", "ppu_cycles")(lambda t: "%d" % (t["halo_cycles"] + t["ppu_cycles"]))),
        ("output-channel groups", need("output_channel_groups")(lambda t: "%d" % t["output_channel_groups"])),
        ("DRAM bytes / cycle", need("dram_read_bytes", "dram_write_bytes")(
            lambda t: "%.2f" % ratio(t["dram_read_bytes"] + t["dram_write_bytes"], t["cycles"]))),
        ("DRAM write share", need("dram_read_bytes", "dram_write_bytes")(
            lambda t: pct(ratio(t["dram_write_bytes"], t["dram_read_bytes"] + t["dram_write_bytes"])))),
    ]


def write_markdown(path, totals, per_layer, densities, layers, pes, header):
    lines = [header, "",
             "| weight = activation density | SCNN cycles | DCNN cycles | DCNN-opt cycles | speedup vs DCNN | "
             "speedup vs DCNN-opt | energy DCNN / SCNN | energy DCNN-opt / SCNN | SCNN energy uJ |",
             "|---|---|---|---|---|---|---|---|---|"]
    for d in densities:
        s, dn, do = (totals[(d, x)] for x in DESIGNS)
        lines.append("| %.2f | %d | %d | %d | %.2f | %.2f | %.2f | %.2f | %.1f |" % (
            d, s["cycles"], dn["cycles"], do["cycles"], ratio(dn["cycles"], s["cycles"]),
            ratio(do["cycles"], s["cycles"]), ratio(dn["energy_pj"], s["energy_pj"]),
            ratio(do["energy_pj"], s["energy_pj"]), s["energy_pj"] * 1e-6))
    if len(layers) > 1:
        lines += ["", "SCNN speedup over DCNN per layer:", "",
                  "| density | " + " | ".join(layers) + " |", "|---|" + "---|" * len(layers)]
        for d in densities:
            lines.append("| %.2f | " % d + " | ".join(
                "%.2f" % ratio(per_layer[(d, "dcnn", l)]["cycles"], per_layer[(d, "scnn", l)]["cycles"])
                for l in layers) + " |")
    cols = [(h, f) for h, f in bound_columns(pes) if any(f(totals[(d, "scnn")]) is not None for d in densities)]
    if cols:
        lines += ["", "SCNN counters (%s, summed over the layers):" % "+".join(layers), "",
                  "| density | " + " | ".join(h for h, _ in cols) + " |",
                  "|---|" + "---|" * len(cols)]
        for d in densities:
            t = totals[(d, "scnn")]
            lines.append("| %.2f | " % d + " | ".join(f(t) or "" for _, f in cols) + " |")
    # Compute-only speedup: both designs' busiest-PE time with barriers (weights and inputs
    # always there), when the traces give it.
    key = "group_busiest_pe_cycles_sum"
    if all(key in totals[(d, x)] for d in densities for x in ("scnn", "dcnn")):
        lines += ["", "PE-array time only (busiest PE per output-channel group, summed; no DRAM or delivery waits):", "",
                  "| density | SCNN | DCNN | speedup | dense / non-zero MACs |", "|---|---|---|---|---|"]
        for d in densities:
            s, dn = totals[(d, "scnn")], totals[(d, "dcnn")]
            lines.append("| %.2f | %d | %d | %.2f | %.2f |" % (d, s[key], dn[key], ratio(dn[key], s[key]),
                                                             ratio(dn.get("macs", 0), s.get("macs_executed", 0))))
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def plot(path, totals, densities, layers):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as e:
        sys.stderr.write("scnn_density_sweep: warning: no plot (matplotlib: %s)\n" % e)
        return False
    ds = sorted(densities, reverse=True)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4))
    for other, name, style in (("dcnn", "DCNN", "o-"), ("dcnn-opt", "DCNN-opt", "s--")):
        a1.plot(ds, [ratio(totals[(d, other)]["cycles"], totals[(d, "scnn")]["cycles"]) for d in ds], style,
                label="SCNN speedup over " + name)
        a2.plot(ds, [ratio(totals[(d, other)]["energy_pj"], totals[(d, "scnn")]["energy_pj"]) for d in ds], style,
                label="energy %s / SCNN" % name)
    # Work ratio: DCNN does every MAC, SCNN only products of two non-zeros (weight x activation density).
    a1.plot(ds, [1 / (d * d) for d in ds], ":", color="grey", label="dense / non-zero MACs (1/d^2)")
    for a, title in ((a1, "speedup"), (a2, "energy ratio")):
        a.set_xlabel("weight = activation density")
        a.set_ylabel(title)
        a.set_yscale("log")
        a.invert_xaxis()
        a.grid(True, alpha=0.3)
        a.legend(fontsize=8)
    fig.suptitle("SCNN vs DCNN / DCNN-opt across density, %s" % "+".join(layers), fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return True


def main(argv):
    try:
        a = parse_args(argv)
    except ArgError as e:
        sys.stderr.write("scnn_density_sweep: error: %s\n" % e)
        return 2
    try:
        os.makedirs(os.path.join(a.out, "workloads"), exist_ok=True)
        os.makedirs(os.path.join(a.out, "runs"), exist_ok=True)
    except OSError as e:
        sys.stderr.write("scnn_density_sweep: error: --out: cannot create '%s': %s\n" % (a.out, e.strerror))
        return 2
    models = {d: write_workload(a.workload, set(a.layer_list), d, os.path.join(a.out, "workloads"))
              for d in a.density_list}
    run_dirs = {(d, design): os.path.join(a.out, "runs", "%s-%s" % (design, density_tag(d)))
                for d in a.density_list for design in DESIGNS}
    failed = []
    if a.report_only:
        failed = [(k, "--report-only: no traces in %s" % r) for k, r in run_dirs.items()
                  if not os.path.isfile(os.path.join(r, "run.json"))]
    else:
        with concurrent.futures.ThreadPoolExecutor(max_workers=a.jobs) as pool:
            jobs = {k: pool.submit(run_point, a.sxsim, a.configs[k[1]], models[k[0]], a.layer_list, r, a.seed,
                                   a.check, a.timeout) for k, r in run_dirs.items()}
            failed = [(k, f.result()) for k, f in jobs.items() if f.result()]
    if failed:
        for (d, design), msg in failed:
            sys.stderr.write("scnn_density_sweep: run %s at density %g failed: %s\n" % (design, d, msg))
        return 1

    records, totals, per_layer, pes = [], {}, {}, a.scnn_pes
    for d in a.density_list:
        for design in DESIGNS:
            rows = collect(run_dirs[(d, design)], set(a.layer_list))
            for name, f in rows:
                records.append(dict(f, density=d, design=design, layer=name))
                per_layer[(d, design, name)] = f
            totals[(d, design)] = total_fields([f for _, f in rows])
            records.append(dict(totals[(d, design)], density=d, design=design, layer="total"))
    write_csv(os.path.join(a.out, "density_sweep.csv"), records)
    header = ("%s %s on %s (seed %d, synthetic weights and activations at the given density%s)" %
              (a.workload.get("name", a.model), "+".join(a.layer_list), ", ".join(DESIGNS), a.seed,
               ", bit-exact check passed" if a.check else ""))
    write_markdown(os.path.join(a.out, "density_sweep.md"), totals, per_layer, a.density_list, a.layer_list, pes, header)
    plotted = plot(os.path.join(a.out, "density_sweep.png"), totals, a.density_list, a.layer_list)
    print("wrote %s/density_sweep.csv, density_sweep.md%s" % (a.out, ", density_sweep.png" if plotted else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
