"""The checker can fail: check_realdata.py on hand-made sxsim output directories, built from the
digits fixture's PyTorch outputs (make_digits.py). A faithful OUT passes; each kind of wrong OUT
(float reference off by 1e-3, run.json agreement / error / accuracy not what the files give, an
input missing, int8 outputs far from PyTorch) is rejected with the check that caught it.
Usage: test_checker.py FIXTURE_DIR WORK_DIR
"""
import contextlib
import io
import json
import os
import shutil
import sys

import numpy as np

import check_realdata


def make_out(path, torch_ref, labels, noise, ref_scale=1.0, own_ref=True, tamper=None, drop=None):
    """An OUT directory as sxsim writes it: outputs = PyTorch's + seeded noise of relative size
    `noise`, reference_outputs = PyTorch's x ref_scale, run.json computed from those files."""
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(os.path.join(path, "outputs"))
    if own_ref:
        os.makedirs(os.path.join(path, "reference_outputs"))
    rng = np.random.default_rng(1)
    stems = sorted(f[:-4] for f in os.listdir(torch_ref))
    agree, rel, hit_sim, hit_ref = [], [], [], []
    for s in stems:
        t = np.load(os.path.join(torch_ref, s + ".npy"))
        r = (t * ref_scale).astype(np.float32) if own_ref else t
        y = (t + noise * np.linalg.norm(t) / np.sqrt(t.size) * rng.standard_normal(t.shape)).astype(np.float32)
        if s != drop:
            np.save(os.path.join(path, "outputs", s + ".npy"), y)
        if own_ref:
            np.save(os.path.join(path, "reference_outputs", s + ".npy"), r)
        r64, y64 = r.astype(np.float64), y.astype(np.float64)
        agree.append(y.argmax() == r.argmax())
        rel.append(np.linalg.norm(y64 - r64) / np.linalg.norm(r64))
        hit_sim.append(y.argmax() == labels[s])
        hit_ref.append(r.argmax() == labels[s])
    rd = {"inputs": len(stems), "reference": "test", "calibration": "max", "top1_agreement": float(np.mean(agree)),
          "relative_error": {"mean": float(np.mean(rel)), "max": float(np.max(rel))},
          "accuracy": {"simulated": float(np.mean(hit_sim)), "reference": float(np.mean(hit_ref))}}
    if tamper:
        tamper(rd)
    with open(os.path.join(path, "run.json"), "w") as f:
        json.dump({"real_data": rd}, f)


def check(out, fixture, expect_ok, expect_text=""):
    """check_realdata.main() in this process (one interpreter start for all cases: the test stays
    a few seconds on a busy machine), its stdout captured."""
    argv = ["check_realdata.py", out, "--torch-ref", os.path.join(fixture, "torch_ref"),
            "--labels", os.path.join(fixture, "labels.json"), "--min-agreement", "0.9", "--max-drop-vs-float", "0.03"]
    buf = io.StringIO()
    saved, sys.argv = sys.argv, argv
    try:
        with contextlib.redirect_stdout(buf):
            rc = check_realdata.main()
    finally:
        sys.argv = saved
    ok = rc == 0
    if ok != expect_ok or (expect_text and expect_text not in buf.getvalue()):
        print(buf.getvalue())
        raise SystemExit("%s: checker returned %d, expected %s%s" % (out, rc, "pass" if expect_ok else "failure",
                                                                     " mentioning " + expect_text if expect_text else ""))
    print("%s: %s as expected" % (os.path.basename(out), "passed" if ok else "rejected"))


def main():
    fixture, work = sys.argv[1], sys.argv[2]
    with open(os.path.join(fixture, "labels.json")) as f:
        labels = json.load(f)
    ref = os.path.join(fixture, "torch_ref")
    cases = [
        ("faithful", dict(noise=0.01), True, ""),
        ("faithful_torch_reference", dict(noise=0.01, own_ref=False), True, ""),
        ("reference_off", dict(noise=0.01, ref_scale=1.001), False, "(a)"),
        ("agreement_wrong", dict(noise=0.01, tamper=lambda rd: rd.update(top1_agreement=rd["top1_agreement"] - 0.01)),
         False, "(b) run.json top1_agreement"),
        ("error_wrong", dict(noise=0.01, tamper=lambda rd: rd["relative_error"].update(mean=rd["relative_error"]["mean"] * 1.01)),
         False, "(b) run.json relative_error.mean"),
        ("accuracy_wrong", dict(noise=0.01, tamper=lambda rd: rd["accuracy"].update(simulated=1.0)), False,
         "(c) run.json accuracy.simulated"),
        ("input_missing", dict(noise=0.01, drop="digit_0003"), False, "outputs/ stems"),
        ("int8_far_off", dict(noise=2.0), False, "top-1 agreement"),
    ]
    for name, kw, ok, text in cases:
        out = os.path.join(work, name)
        make_out(out, ref, labels, **kw)
        check(out, fixture, ok, text)
    print("%d passed, 0 failed" % len(cases))


if __name__ == "__main__":
    main()
