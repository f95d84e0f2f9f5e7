"""One end-to-end real-data test (issue 17): runs `sxsim run ... --inputs DIR --out OUT` as a
process (optionally after `sxsim compress` of the ONNX model, whose image is then given with
--weights), requires exit code 0, then runs check_realdata.py on OUT.

  run_realdata.py --sxsim SXSIM --out OUT [--compress MODEL.onnx] --run <sxsim run args> --check <checker args>

--out is passed to both; everything after --run (up to --check) goes to `sxsim run`, everything
after --check to check_realdata.py. Prints sxsim's wall time.
"""
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def split_args(argv):
    if "--run" not in argv or "--check" not in argv or argv.index("--run") > argv.index("--check"):
        sys.exit(__doc__)
    head, run, check = argv[:argv.index("--run")], argv[argv.index("--run") + 1:argv.index("--check")], \
        argv[argv.index("--check") + 1:]
    opts = {}
    it = iter(head)
    for k in it:
        if k not in ("--sxsim", "--out", "--compress"):
            sys.exit("run_realdata.py: unknown option %s\n%s" % (k, __doc__))
        opts[k] = next(it, None)
    if not opts.get("--sxsim") or not opts.get("--out"):
        sys.exit(__doc__)
    return opts, run, check


def run(cmd):
    print("$ " + " ".join(cmd), flush=True)
    t0 = time.time()
    p = subprocess.run(cmd)
    dt = time.time() - t0
    if p.returncode != 0:
        sys.exit("run_realdata.py: exit code %d after %.1f s from: %s" % (p.returncode, dt, " ".join(cmd)))
    return dt


def main():
    opts, run_args, check_args = split_args(sys.argv[1:])
    sxsim, out = opts["--sxsim"], opts["--out"]
    shutil.rmtree(out, ignore_errors=True)  # no stale outputs from an earlier run
    os.makedirs(out)
    if opts.get("--compress"):
        image = os.path.join(out, "weights.sxw")
        run([sxsim, "compress", opts["--compress"], "-o", image, "--report", os.path.join(out, "compress.csv")])
        run_args = run_args + ["--weights", image]
    dt = run([sxsim, "run"] + run_args + ["--out", out])
    print("sxsim run: %.1f s wall" % dt, flush=True)
    p = subprocess.run([sys.executable, os.path.join(HERE, "check_realdata.py"), out] + check_args)
    return p.returncode


if __name__ == "__main__":
    sys.exit(main())
