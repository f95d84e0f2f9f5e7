#!/usr/bin/python3
"""Every bundled network on every bundled design, with the bit-exact check (issue 11).

Runs `sxsim run --check` for each models/*.json x configs/*.json (globbed: a new file is
covered), each cell its own process, and writes a Markdown summary: status, simulated cycles
and CPU time per cell, plus a detail table (wall time, peak RSS, layers simulated).

    /usr/bin/python3 tests/matrix/run_matrix.py --sxsim build/sxsim --out /tmp/matrix -j 2
    ... --first-layers 2            # a cheap pass (forwarded to sxsim run)
    ... --models vgg16 --configs eyeriss

CPU time (user + system of the child, from wait4) is the primary cost figure; wall time on a
shared machine includes waiting for a core. Exit status: 0 if every cell completed with the
check passed, 1 otherwise (the table says which and why; each cell's log is kept in OUT).
Not a ctest: the full matrix takes far longer than the suite may (CI runs a subset:
tests/cli/matrix).
"""
import argparse
import concurrent.futures
import glob
import json
import os
import signal
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def stem(path):
    return os.path.splitext(os.path.basename(path))[0]


def run_cell(sxsim, model, config, out, extra, timeout_s):
    """One `sxsim run` child; returns a dict of figures (status 'ok' when the check passed)."""
    cell = {"network": stem(model), "design": stem(config), "status": "not run", "cycles": None,
            "cpu_s": 0.0, "wall_s": 0.0, "rss_mib": 0.0, "simulated": 0, "compute": 0}
    os.makedirs(out, exist_ok=True)
    log = out + ".log"
    args = [sxsim, "run", "--arch", config, "--model", model, "--out", out, "--check", "-q"] + extra
    run_json = os.path.join(out, "run.json")
    if os.path.exists(run_json):
        os.remove(run_json)
    t0 = time.monotonic()
    with open(log, "wb") as f:
        proc = subprocess.Popen(args, stdout=f, stderr=subprocess.STDOUT)
    timed_out = False
    while True:
        pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
        if pid == proc.pid:
            break
        if not timed_out and time.monotonic() - t0 > timeout_s:
            os.kill(proc.pid, signal.SIGKILL)  # our own child, by id
            timed_out = True
        time.sleep(0.05)
    proc.returncode = 0  # reaped above; keep Popen from waiting again
    cell["wall_s"] = time.monotonic() - t0
    cell["cpu_s"] = ru.ru_utime + ru.ru_stime
    cell["rss_mib"] = ru.ru_maxrss / 1024.0
    if timed_out:
        cell["status"] = "timeout (%.0f s)" % timeout_s
        return cell
    if os.WIFSIGNALED(status):
        cell["status"] = "signal %d" % os.WTERMSIG(status)
        return cell
    code = os.WEXITSTATUS(status)
    if code != 0:
        with open(log, errors="replace") as f:
            lines = [l.strip() for l in f if l.strip()]
        cell["status"] = "exit %d: %s" % (code, lines[-1][:160] if lines else "")
        return cell
    try:
        with open(run_json) as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        cell["status"] = "no run.json (%s)" % e
        return cell
    cell["cycles"] = doc["totals"]["cycles"]
    cell["simulated"] = sum(1 for l in doc["layers"] if l["simulated"])
    cell["compute"] = sum(1 for l in doc["layers"] if l["type"] in ("conv", "fc"))
    cell["status"] = "ok" if doc["check"]["enabled"] and doc["check"]["passed"] else "check FAILED"
    return cell


def markdown(cells, networks, designs, header):
    by = {(c["network"], c["design"]): c for c in cells}
    lines = [header, "",
             "Cycles (core clock) / CPU seconds per cell; every cell ran `sxsim run --check` "
             "(bit-exact against sw/reference).", "",
             "| network | " + " | ".join(designs) + " |",
             "|---|" + "---|" * len(designs)]
    for n in networks:
        row = []
        for d in designs:
            c = by.get((n, d))
            if c is None:
                row.append("-")
            elif c["status"] == "ok":
                row.append("%d / %.1f s" % (c["cycles"], c["cpu_s"]))
            else:
                row.append("**%s** (%.1f s)" % (c["status"].split(":")[0], c["cpu_s"]))
        lines.append("| %s | %s |" % (n, " | ".join(row)))
    lines += ["", "| network | design | status | layers simulated | cycles | CPU s | wall s | peak RSS MiB |",
              "|---|---|---|---|---|---|---|---|"]
    for n in networks:
        for d in designs:
            c = by.get((n, d))
            if c is None:
                continue
            lines.append("| %s | %s | %s | %s | %s | %.1f | %.1f | %.0f |" % (
                n, d, c["status"].replace("|", "/"), "%d of %d" % (c["simulated"], c["compute"]) if c["compute"] else "-",
                c["cycles"] if c["cycles"] is not None else "-", c["cpu_s"], c["wall_s"], c["rss_mib"]))
    total = sum(c["cpu_s"] for c in cells)
    bad = [c for c in cells if c["status"] != "ok"]
    lines += ["", "Total CPU time %.0f s over %d cells; %d failed." % (total, len(cells), len(bad)), ""]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sxsim", default=os.path.join(ROOT, "build", "sxsim"))
    ap.add_argument("--out", default="/tmp/sx-matrix-%d" % os.getpid(), help="per-cell traces and logs")
    ap.add_argument("--summary", help="Markdown summary file (default: OUT/summary.md)")
    ap.add_argument("-j", "--jobs", type=int, default=1, help="cells run in parallel (default 1)")
    ap.add_argument("--timeout", type=float, default=7200, help="seconds per cell (default 7200)")
    ap.add_argument("--models", help="comma-separated network names (default: every models/*.json)")
    ap.add_argument("--configs", help="comma-separated design names (default: every configs/*.json)")
    ap.add_argument("--first-layers", type=int, help="forwarded to sxsim run (default: all layers)")
    ap.add_argument("--batch", type=int, help="forwarded to sxsim run (default: the workload's batch)")
    a = ap.parse_args()

    models = sorted(glob.glob(os.path.join(ROOT, "models", "*.json")))
    configs = sorted(glob.glob(os.path.join(ROOT, "configs", "*.json")))
    if a.models:
        want = a.models.split(",")
        models = [m for m in models if stem(m) in want]
    if a.configs:
        want = a.configs.split(",")
        configs = [c for c in configs if stem(c) in want]
    if not models or not configs:
        print("run_matrix: no models or no configurations selected", file=sys.stderr)
        return 2
    if not os.access(a.sxsim, os.X_OK):
        print("run_matrix: %s is not an executable (--sxsim)" % a.sxsim, file=sys.stderr)
        return 2
    extra = []
    if a.first_layers:
        extra += ["--first-layers", str(a.first_layers)]
    if a.batch:
        extra += ["--batch", str(a.batch)]
    os.makedirs(a.out, exist_ok=True)
    summary = a.summary or os.path.join(a.out, "summary.md")

    jobs = [(m, c) for m in models for c in configs]
    # Longest first (the largest networks), so parallel runs finish together.
    jobs.sort(key=lambda mc: -os.path.getsize(mc[0]))
    lock = threading.Lock()
    cells = []
    print("run_matrix: %d cells, %d at a time, load average %s" % (len(jobs), a.jobs, os.getloadavg()), flush=True)

    def one(mc):
        m, c = mc
        cell = run_cell(a.sxsim, m, c, os.path.join(a.out, "%s-%s" % (stem(m), stem(c))), extra, a.timeout)
        with lock:
            cells.append(cell)
            print("  %-14s %-14s %-12s cycles %-12s cpu %8.1f s  wall %8.1f s" % (
                cell["network"], cell["design"], cell["status"][:60], cell["cycles"], cell["cpu_s"], cell["wall_s"]),
                flush=True)
            # Rewrite the summary after every cell: a long run leaves a usable partial table.
            networks = sorted({stem(m) for m in models})
            designs = sorted({stem(c) for c in configs})
            hdr = "Matrix: sxsim run --check%s, %d of %d cells done (%s)" % (
                " " + " ".join(extra) if extra else "", len(cells), len(jobs), time.strftime("%Y-%m-%d"))
            with open(summary, "w") as f:
                f.write(markdown(cells, networks, designs, hdr))
        return cell

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as ex:
        list(ex.map(one, jobs))
    print("summary: %s (load average %s)" % (summary, os.getloadavg()))
    return 0 if all(c["status"] == "ok" for c in cells) else 1


if __name__ == "__main__":
    sys.exit(main())
