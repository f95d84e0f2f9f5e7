#!/usr/bin/python3
"""Plots of an `sxsim sweep`, from OUT/sweep_networks.csv (successful points only):

  OUT/plots/sweep_latency_vs_pes.{png,svg}  latency vs MAC units, one series per workload
  OUT/plots/sweep_energy_vs_pes.{png,svg}   energy vs MAC units
  OUT/plots/sweep_pareto.{png,svg}          latency-energy plane with the Pareto front per workload

Swept parameters are the columns whose name is a JSON pointer ("/pe_array/dim_m"); the Pareto
points are labelled with their values. Usage: /usr/bin/python3 sw/plots/plot_sweep.py OUT [--out DIR]
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402


def pareto(points):
    """Points (latency, energy, row) not dominated by any other: lower is better in both."""
    front, best_energy = [], float("inf")
    for p in sorted(points, key=lambda p: (p[0], p[1])):
        if p[1] < best_energy:
            front.append(p)
            best_energy = p[1]
    return front


def label(row, params):
    parts = []
    for p in params:
        short = p.rsplit("/", 1)[-1]
        parts.append("%s=%s" % (short, row[p]))
    return " ".join(parts)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir", help="output directory of sxsim sweep (holds sweep_networks.csv)")
    ap.add_argument("--out", help="where to write the plots (default OUT/plots)")
    ap.add_argument("--x", default="mac_units", help="x column for the *_vs_pes plots (default mac_units)")
    a = ap.parse_args()
    plt = common.import_pyplot()
    rows = [r for r in common.read_csv(os.path.join(a.dir, "sweep_networks.csv")) if r.get("status") == "ok"]
    out = a.out or os.path.join(a.dir, "plots")
    if not rows:
        sys.stderr.write("no successful point in sweep_networks.csv: nothing to plot\n")
        return 1
    params = [c for c in rows[0].keys() if c.startswith("/")]
    models = list(dict.fromkeys(r["model"] for r in rows))

    for key, ylabel, stem, scale in (("latency_us", "latency (us)", "sweep_latency_vs_pes", 1.0),
                                     ("energy_total_pj", "energy (uJ)", "sweep_energy_vs_pes", 1e-6)):
        fig, ax = plt.subplots(figsize=(6.0, 3.8))
        for i, m in enumerate(models):
            pts = sorted((common.num(r, a.x), common.num(r, key) * scale) for r in rows if r["model"] == m)
            ax.scatter([p[0] for p in pts], [p[1] for p in pts], s=18, color="C%d" % i, label=m)
            # The best shape at each array size, joined.
            best = {}
            for x, y in pts:
                best[x] = min(y, best.get(x, float("inf")))
            xs = sorted(best)
            ax.plot(xs, [best[x] for x in xs], color="C%d" % i, linewidth=1, alpha=0.6)
        ax.set_xscale("log", base=2)
        ax.set_xlabel(a.x.replace("_", " ") + " (log2)")
        ax.set_ylabel(ylabel)
        ax.set_title("%s vs PE array size (%d points; line: best shape per size)" % (ylabel.split(" (")[0], len(rows)))
        ax.legend(fontsize=8)
        common.save(fig, out, stem)
        plt.close(fig)

    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    for i, m in enumerate(models):
        pts = [(common.num(r, "latency_us"), common.num(r, "energy_total_pj") * 1e-6, r) for r in rows if r["model"] == m]
        ax.scatter([p[0] for p in pts], [p[1] for p in pts], s=16, color="C%d" % i, alpha=0.5, label=m)
        front = pareto(pts)
        ax.plot([p[0] for p in front], [p[1] for p in front], color="C%d" % i, marker="o", markersize=5,
                linewidth=1.5, label="%s Pareto front (%d)" % (m, len(front)))
        for p in front:
            ax.annotate(label(p[2], params), (p[0], p[1]), textcoords="offset points", xytext=(4, 4), fontsize=6)
    ax.set_xlabel("latency (us)")
    ax.set_ylabel("energy (uJ)")
    ax.set_title("Latency-energy trade-off")
    ax.legend(fontsize=7)
    common.save(fig, out, "sweep_pareto")
    plt.close(fig)
    return 0


if __name__ == "__main__":
    sys.exit(main())
