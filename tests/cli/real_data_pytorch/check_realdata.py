"""Checks an `sxsim run --inputs` output directory against PyTorch (issue 17), independently of
sxsim's own arithmetic: every figure sxsim reports is recomputed here from the .npy files.

  check_realdata.py OUT --torch-ref REFDIR [--labels LABELS.json] [--meta META.json]
                    [--ref-tolerance 1e-4] [--min-agreement A] [--max-relative-error E]
                    [--max-drop-vs-float P] [--max-drop-vs-int8 P] [--summary FILE] [--title T]

OUT is what sxsim wrote: OUT/run.json ("real_data"), OUT/outputs/<stem>.npy (the simulated
network's final outputs) and, when sxsim was run without --reference, OUT/reference_outputs/
<stem>.npy (its own host float reference). REFDIR/<stem>.npy are PyTorch's float outputs.

(a) sxsim's host float reference equals PyTorch's: relative L2 error ||ref - torch|| / ||torch||
    below --ref-tolerance for every input (skipped when sxsim was given --reference, then the
    reference it used is REFDIR itself).
(b) run.json's top1_agreement and relative_error {mean, max} equal the values recomputed here
    from outputs/ and the reference sxsim used, and "inputs" is the number of inputs.
(c) with --labels: run.json's accuracy {simulated, reference} equal the recomputed ones, and the
    simulated accuracy is at most --max-drop-vs-float below PyTorch's float accuracy (from REFDIR)
    and at most --max-drop-vs-int8 below META's "int8_fakequant_accuracy" (PyTorch with the same
    int8 per-tensor scheme fake-quantized, make_digits.py).
Thresholds on agreement / error / accuracy are the caller's (CMakeLists.txt says why each is what
it is). Exit 0 when everything holds, 1 with every failed check listed otherwise.
"""
import argparse
import glob
import json
import math
import os
import sys

try:
    import numpy as np
except ImportError as e:
    sys.exit("check_realdata.py: needs python3-numpy for /usr/bin/python3 (.ci/deps): %s" % e)


def load_dir(path):
    """{stem: float64 flat array} of every *.npy in `path`."""
    out = {}
    for f in sorted(glob.glob(os.path.join(path, "*.npy"))):
        a = np.load(f)
        if a.dtype != np.float32:
            raise SystemExit("check_realdata.py: %s: dtype %s, expected float32" % (f, a.dtype))
        out[os.path.splitext(os.path.basename(f))[0]] = a.astype(np.float64).ravel()
    return out


def rel_l2(x, ref):
    n = np.linalg.norm(ref)
    return float(np.linalg.norm(x - ref) / n) if n > 0 else float(np.linalg.norm(x))


def close(a, b, rel=1e-5, abs_=1e-7):
    return a is not None and b is not None and math.isclose(float(a), float(b), rel_tol=rel, abs_tol=abs_)


class Checker:
    def __init__(self):
        self.failures = []

    def expect(self, ok, what):
        if not ok:
            self.failures.append(what)
        return ok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--torch-ref", required=True)
    ap.add_argument("--labels")
    ap.add_argument("--meta")
    ap.add_argument("--ref-tolerance", type=float, default=1e-4)
    ap.add_argument("--min-agreement", type=float)
    ap.add_argument("--max-relative-error", type=float, help="bound on the mean relative error")
    ap.add_argument("--max-drop-vs-float", type=float)
    ap.add_argument("--max-drop-vs-int8", type=float)
    ap.add_argument("--summary", help="write the recomputed figures as JSON")
    ap.add_argument("--title", default="")
    args = ap.parse_args()

    c = Checker()
    run_json = os.path.join(args.out, "run.json")
    with open(run_json) as f:
        run = json.load(f)
    rd = run.get("real_data")
    if not isinstance(rd, dict):
        sys.exit("check_realdata.py: %s has no \"real_data\" object" % run_json)

    sim = load_dir(os.path.join(args.out, "outputs"))
    torch_ref = load_dir(args.torch_ref)
    own_ref_dir = os.path.join(args.out, "reference_outputs")
    own_ref = load_dir(own_ref_dir) if os.path.isdir(own_ref_dir) else None
    stems = sorted(torch_ref)
    c.expect(len(stems) > 0, "no PyTorch reference in %s" % args.torch_ref)
    c.expect(sorted(sim) == stems, "outputs/ stems %s != PyTorch's %s" % (sorted(sim)[:5], stems[:5]))
    c.expect(rd.get("inputs") == len(stems), "run.json inputs %s != %d" % (rd.get("inputs"), len(stems)))
    stems = [s for s in stems if s in sim]
    for s in stems:
        c.expect(sim[s].size == torch_ref[s].size, "%s: output has %d values, PyTorch's %d"
                 % (s, sim[s].size, torch_ref[s].size))
    stems = [s for s in stems if sim[s].size == torch_ref[s].size]

    fig = {"title": args.title, "inputs": len(stems), "reference_used": "sxsim" if own_ref is not None else "pytorch"}
    # (a) sxsim's float reference vs PyTorch.
    if own_ref is not None:
        c.expect(sorted(own_ref) == sorted(torch_ref), "reference_outputs/ stems differ from PyTorch's")
        errs = [rel_l2(own_ref[s], torch_ref[s]) for s in stems if s in own_ref and own_ref[s].size == torch_ref[s].size]
        c.expect(len(errs) == len(stems), "reference_outputs/ misses inputs or has other sizes")
        worst = max(errs) if errs else float("nan")
        fig["reference_vs_pytorch_max_rel_l2"] = worst
        c.expect(worst < args.ref_tolerance, "(a) sxsim's float reference differs from PyTorch's: max relative L2 "
                 "error %.3g >= %.3g" % (worst, args.ref_tolerance))
        ref = own_ref
    else:
        ref = torch_ref
    # (b) agreement and relative error, recomputed.
    ref_stems = [s for s in stems if s in ref]
    agree = float(np.mean([sim[s].argmax() == ref[s].argmax() for s in ref_stems])) if ref_stems else float("nan")
    rel = [rel_l2(sim[s], ref[s]) for s in ref_stems]
    fig.update({"top1_agreement": agree, "relative_error_mean": float(np.mean(rel)) if rel else float("nan"),
                "relative_error_max": max(rel) if rel else float("nan"),
                "top1_agreement_vs_pytorch": float(np.mean([sim[s].argmax() == torch_ref[s].argmax() for s in stems]))})
    re_json = rd.get("relative_error") or {}
    c.expect(close(rd.get("top1_agreement"), agree), "(b) run.json top1_agreement %s != recomputed %.6f"
             % (rd.get("top1_agreement"), agree))
    c.expect(close(re_json.get("mean"), fig["relative_error_mean"], 1e-4, 1e-9),
             "(b) run.json relative_error.mean %s != recomputed %.6g" % (re_json.get("mean"), fig["relative_error_mean"]))
    c.expect(close(re_json.get("max"), fig["relative_error_max"], 1e-4, 1e-9),
             "(b) run.json relative_error.max %s != recomputed %.6g" % (re_json.get("max"), fig["relative_error_max"]))
    if args.min_agreement is not None:
        c.expect(agree >= args.min_agreement, "top-1 agreement %.4f < %.4f" % (agree, args.min_agreement))
    if args.max_relative_error is not None:
        c.expect(fig["relative_error_mean"] <= args.max_relative_error, "mean relative error %.4g > %.4g"
                 % (fig["relative_error_mean"], args.max_relative_error))

    # (c) accuracy against labels.
    if args.labels:
        with open(args.labels) as f:
            labels = json.load(f)
        c.expect(sorted(labels) == sorted(torch_ref), "labels stems differ from PyTorch's reference stems")
        lab = [s for s in stems if s in labels]
        acc_sim = float(np.mean([sim[s].argmax() == labels[s] for s in lab]))
        acc_ref = float(np.mean([ref[s].argmax() == labels[s] for s in lab]))
        acc_float = float(np.mean([torch_ref[s].argmax() == labels[s] for s in lab]))
        fig.update({"accuracy_simulated": acc_sim, "accuracy_reference": acc_ref, "accuracy_pytorch_float": acc_float})
        acc_json = rd.get("accuracy") or {}
        c.expect(close(acc_json.get("simulated"), acc_sim), "(c) run.json accuracy.simulated %s != recomputed %.6f"
                 % (acc_json.get("simulated"), acc_sim))
        c.expect(close(acc_json.get("reference"), acc_ref), "(c) run.json accuracy.reference %s != recomputed %.6f"
                 % (acc_json.get("reference"), acc_ref))
        if args.max_drop_vs_float is not None:
            c.expect(acc_float - acc_sim <= args.max_drop_vs_float + 1e-12, "(c) simulated accuracy %.4f is %.4f below "
                     "PyTorch's float %.4f (allowed %.4f)" % (acc_sim, acc_float - acc_sim, acc_float, args.max_drop_vs_float))
        if args.meta:
            with open(args.meta) as f:
                fq = json.load(f).get("int8_fakequant_accuracy")
            fig["accuracy_pytorch_int8_fakequant"] = fq
            c.expect(fq is not None, "%s has no int8_fakequant_accuracy" % args.meta)
            if fq is not None and args.max_drop_vs_int8 is not None:
                c.expect(fq - acc_sim <= args.max_drop_vs_int8 + 1e-12, "(c) simulated accuracy %.4f is %.4f below "
                         "PyTorch's int8 fake-quantized %.4f (allowed %.4f)" % (acc_sim, fq - acc_sim, fq, args.max_drop_vs_int8))

    print("%s: %s" % (args.title or args.out, json.dumps(fig, sort_keys=True)))
    if args.summary:
        with open(args.summary, "w") as f:
            json.dump(fig, f, indent=1, sort_keys=True)
    if c.failures:
        print("FAILED:\n  " + "\n  ".join(c.failures))
        return 1
    print("passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
