#!/usr/bin/python3
"""Theta sweep of `sxsim compress` against the reference transcription (docs/compressor.md).

Usage: tools/compressor_sweep.py SXSIM REFERENCE.py OUT_PREFIX NET.npz:NET.json [...]
         [--thetas 0.01,0.02,...] [--structural]

For each network (an .npz of 3x3 layers and its workload, from tools/tfjs_to_npz.py --only-3x3)
and each theta, runs the project (`sxsim compress --theta T --report`) and the reference
(../shared/tools/se_reference_decomp.py, executed as is on the same .npz; its totals are read
from the script's own variables) and writes OUT_PREFIX.csv and OUT_PREFIX-<net>.png with
relative error against compression over int8 under both bit counts:
  - reference count: 1 bit per Ce row + 4 bits per non-zero Ce element (bases not counted);
    raw layers 8 bits per weight;
  - image count: the true .sxw layer sections (24-byte block records + 1 bit per row + 12 bits
    per non-zero row; raw layers 8 bits per weight). For the reference, the same formula on its
    row counts (it has no file; it never falls back to raw).
Relative error: ||W - W~||_F / ||W||_F over all layers; the project's from the decoded image
(int8 basis and weights), the reference's in float.
numpy, matplotlib (Debian python3-matplotlib).
"""
import argparse
import csv
import os
import subprocess
import sys
import tempfile

import numpy as np


def run_reference(script, npz, theta):
    src = open(script).read()
    g = {"__name__": "se_reference"}
    argv = sys.argv
    sys.argv = [script, npz, str(theta)]
    try:
        import contextlib, io
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(src, script, "exec"), g)
    finally:
        sys.argv = argv
    d = np.load(npz)
    blocks = sum(d[k].shape[0] * int(np.ceil(d[k].shape[1] / 64)) for k in d.keys() if d[k].shape[2:] == (3, 3))
    params = g["rows"] * 3
    return {"err": float(np.sqrt(g["tot_err"] / g["tot_norm"])), "params": params,
            "ref_bits": g["rows"] + 4 * g["nnz"],
            "image_bits": g["rows"] + 12 * g["nzrows"] + 8 * 24 * blocks,
            "row_density": g["nzrows"] / g["rows"]}


def run_project(sxsim, npz, wl, theta, structural, tmp):
    rep = os.path.join(tmp, "r.csv")
    cmd = [sxsim, "compress", "--weights", npz, "--model", wl, "-o", os.path.join(tmp, "x.sxw"), "--theta", str(theta),
           "--report", rep]
    if structural:
        cmd.append("--structural")
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    d = np.load(npz)
    norms = {k: float(np.sum(d[k].astype(np.float64) ** 2)) for k in d.keys()}
    e2 = n2 = 0.0
    params = img = ref = nzr = rows = fall = 0
    with open(rep) as fh:
        for r in csv.DictReader(fh):
            if r["layer"] == "total":
                continue
            e2 += float(r["rel_error"]) ** 2 * norms[r["layer"]]
            n2 += norms[r["layer"]]
            params += int(r["params"])
            img += 8 * int(r["image_bytes"])
            ref += int(r["reference_bits"])
            nzr += int(r["nonzero_ce_rows"])
            rows += int(r["ce_rows"])
            fall += r["kind"] == "raw-fallback"
    return {"err": float(np.sqrt(e2 / n2)), "params": params, "ref_bits": ref, "image_bits": img,
            "row_density": nzr / rows if rows else 0.0, "fallbacks": fall}


def compare(rows, out):
    """At each reference point's compression, the project's error interpolated (piecewise linear
    in compression) along its own curve, minus the reference's error: <= 0 means the project is
    at least as good there. Reference points outside the project's compression range are listed
    as such (no extrapolation)."""
    lines = ["net,who,count,theta_ref,x_ref_point,err_reference,err_project_interp,difference"]
    for net in sorted(set(r["net"] for r in rows)):
        ref = sorted((r for r in rows if r["net"] == net and r["who"] == "reference"), key=lambda r: r["theta"])
        for who in ("project", "project-structural"):
            pts = [r for r in rows if r["net"] == net and r["who"] == who]
            for key in ("x_ref", "x_image"):
                xs = sorted((p[key], p["err"]) for p in pts)
                worst = None
                for r in ref:
                    x = r[key]
                    if not xs or x < xs[0][0] or x > xs[-1][0]:
                        lines.append(f"{net},{who},{key},{r['theta']},{x:.3f},{r['err']:.4f},,out of range")
                        continue
                    e = float(np.interp(x, [p[0] for p in xs], [p[1] for p in xs]))
                    lines.append(f"{net},{who},{key},{r['theta']},{x:.3f},{r['err']:.4f},{e:.4f},{e - r['err']:+.4f}")
                    worst = e - r["err"] if worst is None else max(worst, e - r["err"])
                if worst is not None:
                    print(f"{net} {who:18s} {key:7s}: worst (project - reference) at equal compression {worst:+.4f}")
    with open(out, "w") as fh:
        fh.write("\n".join(lines) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("sxsim")
    ap.add_argument("reference")
    ap.add_argument("out")
    ap.add_argument("nets", nargs="+")
    ap.add_argument("--thetas", default="0.005,0.01,0.02,0.03,0.05,0.07,0.1,0.15,0.2,0.3")
    ap.add_argument("--mark-theta", type=float, default=0.02,
                    help="theta marked with a star on the project's curves (the default knob)")
    ap.add_argument("--who", default="reference,project,project-structural",
                    help="which curves to compute (comma-separated)")
    ap.add_argument("--reuse", default="",
                    help="CSV of an earlier sweep: its rows are reused for (net, who, theta) not recomputed "
                         "(the reference is slow and does not change)")
    a = ap.parse_args()
    thetas = [float(t) for t in a.thetas.split(",")]
    whos = a.who.split(",")
    rows = []
    old = {}
    if a.reuse:
        with open(a.reuse) as fh:
            for r in csv.DictReader(fh):
                old[(r["net"], r["who"], float(r["theta"]))] = {
                    k: (r[k] if k in ("net", "who") else float(r[k])) for k in r}
    with tempfile.TemporaryDirectory() as tmp:
        for spec in a.nets:
            npz, wl = spec.split(":")
            net = os.path.basename(npz).replace(".npz", "")
            for t in thetas:
                for who, fn in (("reference", lambda: run_reference(a.reference, npz, t)),
                                ("project", lambda: run_project(a.sxsim, npz, wl, t, False, tmp)),
                                ("project-structural", lambda: run_project(a.sxsim, npz, wl, t, True, tmp))):
                    if (net, who, t) in old and who not in whos:
                        rows.append(old[(net, who, t)])
                        continue
                    if who not in whos:
                        continue
                    r = fn()
                    r.update(net=net, who=who, theta=t, x_ref=8 * r["params"] / r["ref_bits"],
                             x_image=8 * r["params"] / r["image_bits"])
                    rows.append(r)
                    print(f"{net} {who:18s} theta {t:<6} err {r['err']:.4f}  x int8 (ref count) {r['x_ref']:.2f}"
                          f"  (image) {r['x_image']:.2f}  rows {r['row_density']:.3f}", flush=True)
    keys = ["net", "who", "theta", "err", "x_ref", "x_image", "row_density", "params", "ref_bits", "image_bits"]
    with open(a.out + ".csv", "w") as fh:
        w = csv.writer(fh)
        w.writerow(keys)
        for r in rows:
            w.writerow([r[k] for k in keys])
    compare(rows, a.out + "-compare.csv")
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    for net in sorted(set(r["net"] for r in rows)):
        fig, axes = plt.subplots(1, 2, figsize=(10, 4))
        for ax, key, title in ((axes[0], "x_ref", "reference bit count"), (axes[1], "x_image", "image (.sxw) true size")):
            for who, style in (("reference", "o-"), ("project", "s-"), ("project-structural", "^--")):
                pts = [r for r in rows if r["net"] == net and r["who"] == who]
                pts.sort(key=lambda p: p["theta"])
                ax.plot([p[key] for p in pts], [p["err"] for p in pts], style, label=who, markersize=4)
                star = [p for p in pts if who.startswith("project") and abs(p["theta"] - a.mark_theta) < 1e-12]
                if star:
                    ax.plot([star[0][key]], [star[0]["err"]], "*", color="k", markersize=12,
                            label=f"theta {a.mark_theta:g}" if who == "project" else None)
            ax.set_xlabel(f"compression vs int8 ({title})")
            ax.set_ylabel("relative error ||W - W~|| / ||W||")
            ax.set_title(f"{net}: {title}")
            ax.set_xscale("log")
            ax.set_ylim(0, 1.05)
            ax.grid(True, alpha=0.3)
            ax.legend()
        fig.tight_layout()
        fig.savefig(f"{a.out}-{net}.png", dpi=80)
        plt.close(fig)


if __name__ == "__main__":
    main()
