#!/usr/bin/python3
"""Estimate the wall time of sweeps/compares on a Slurm cluster of N nodes x C cores from the
per-point times measured in one or more finished `sxsim sweep` / `sxsim compare` output folders
(or folders holding several of them, such as tools/three_way.py's OUT). An ESTIMATE: it replays
measured point times on an idealised cluster; it does not run anything.

Model (issue 18, docs/performance.md "The architect's table on a cluster"):
  - Every point found (OUT/**/points/<id>/point.json) with status "ok" and a measured wall time
    is one single-core `sxsim run -j 1` whose time on a cluster core is wall_s / --speed. The
    time comes from the folder's timing record OUT/<prefix>times.csv (point_id, backend, wall_s,
    status; the result tables carry no wall time), or from point.json's wall_s for folders
    written before that record existed. wall_s is as the run measured it, so it includes
    waiting for a core if the machine was loaded.
  - Points are grouped into array tasks of --points-per-task consecutive points (in the order the
    sweep/compare lists them: sweep_networks.csv or runs_networks.csv rows, then the order of
    the folders given); a task costs --overhead seconds (launch: slurmstepd, the task script, reading the inputs from
    the shared filesystem) plus its points' times run one after another.
  - Slurm starts batch tasks on scheduler passes, not the moment a core frees: with default
    settings (SchedulerParameters batch_sched_delay=3) tasks started only on --tick (3 s)
    boundaries on the measured test cluster, so a task starts at the first tick at or after its
    slot is free (--tick 0: immediately).
  - N x C task slots (at most --array-limit at a time, sbatch --array=...%limit).
  - Three schedules: "in order" (list scheduling in array-index order: what Slurm does with one
    job array, a free slot takes the next pending task), "LPT" (longest task first: the best a
    submission ordered by expected time would get; within 4/3 of optimal; sxsim's Slurm backend
    builds its array that way from an estimate of each point's time, sw/workflow/point_cost.h,
    so its array lands between the two as far as the estimate ranks the points right) and the lower bound
    max(longest task, total work / slots).
  - Plus --fixed seconds once (submission, the first dispatch, the final aggregation).
  Not modelled: queue wait for other users' jobs, node failures, shared filesystem contention,
  per-node memory limits (peak RSS of a point is ~60-120 MiB on the bundled networks).

Usage:
  /usr/bin/python3 tools/cluster_estimate.py /tmp/three-way --nodes 1,2,4,8 --cores 2,32
  /usr/bin/python3 tools/cluster_estimate.py OUT1 OUT2 --nodes 4 --cores 16 --overhead 1.5 --json

Exit codes: 0 success, 2 bad arguments or no measured point found (message names the option or
folder).
"""
import argparse
import csv
import heapq
import json
import math
import os
import sys

# Per-task launch overhead (s) used when --overhead is not given. See docs/performance.md
# ("The architect's table on a cluster") for what was measured and what is assumed.
DEFAULT_OVERHEAD_S = 0.5
DEFAULT_TICK_S = 3.0


def bad(option, msg):
    print(f"cluster_estimate.py: {option}: {msg}", file=sys.stderr)
    sys.exit(2)


def int_list(option, text):
    try:
        vals = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        bad(option, f"expected comma-separated integers >= 1, got '{text}'")
    if not vals or any(v < 1 for v in vals):
        bad(option, f"expected comma-separated integers >= 1, got '{text}'")
    return vals


def point_order(out_dir):
    """Point ids of one sweep/compare folder in its own listing order (sweep_networks.csv of a
    sweep, runs_networks.csv of a compare)."""
    for name in ("sweep_networks.csv", "runs_networks.csv"):
        path = os.path.join(out_dir, name)
        if os.path.isfile(path):
            with open(path, newline="") as f:
                return [row["point_id"] for row in csv.DictReader(f) if row.get("point_id")]
    return []


def point_times(out_dir):
    """{point id: (wall_s, status)} from the timing records OUT/<prefix>times.csv (empty if none)."""
    times = {}
    for name in sorted(os.listdir(out_dir)):
        if not name.endswith("times.csv"):
            continue
        with open(os.path.join(out_dir, name), newline="") as f:
            for row in csv.DictReader(f):
                try:
                    times[row["point_id"]] = (float(row["wall_s"]), row.get("status", ""))
                except (KeyError, TypeError, ValueError):
                    continue
    return times


def load_points(folder):
    """(label, wall_s) of every finished point under folder, in listing order, and the skipped."""
    found, skipped = [], []
    outs = []
    for root, dirs, _files in os.walk(folder):
        dirs.sort()
        if os.path.isdir(os.path.join(root, "points")) and root not in outs:
            outs.append(root)
    for out in outs:
        pdir = os.path.join(out, "points")
        ids = sorted(d for d in os.listdir(pdir) if os.path.isfile(os.path.join(pdir, d, "point.json")))
        order = [i for i in point_order(out) if i in ids]
        order += [i for i in ids if i not in order]
        recorded = point_times(out)
        for pid in order:
            with open(os.path.join(pdir, pid, "point.json")) as f:
                info = json.load(f)
            wall = info.get("wall_s")
            if pid in recorded:
                wall, status = recorded[pid]
                info["status"] = status or info.get("status")
            label = (f"{os.path.relpath(out, folder) if out != folder else os.path.basename(os.path.abspath(out))}"
                     f" {os.path.splitext(os.path.basename(info.get('arch', '?')))[0]} {pid}")
            if info.get("status") != "ok" or not isinstance(wall, (int, float)):
                skipped.append(label)
                continue
            found.append((label, float(wall)))
    return found, skipped


def makespan(tasks, slots, order, tick=0.0):
    """Finish time of list scheduling of task times over identical slots, in the given order;
    a task starts at the first multiple of tick at or after its slot is free (tick > 0)."""
    heap = [0.0] * slots
    for i in order:
        start = heapq.heappop(heap)
        if tick > 0:
            start = math.ceil(start / tick - 1e-9) * tick
        heapq.heappush(heap, start + tasks[i])
    return max(heap)


def estimate(times, nodes, cores, overhead, per_task, array_limit, fixed, tick=0.0):
    tasks = [overhead + sum(times[i:i + per_task]) for i in range(0, len(times), per_task)]
    slots = nodes * cores
    if array_limit:
        slots = min(slots, array_limit)
    slots = max(1, min(slots, len(tasks)))
    in_order = makespan(tasks, slots, range(len(tasks)), tick)
    lpt = makespan(tasks, slots, sorted(range(len(tasks)), key=lambda i: -tasks[i]), tick)
    bound = max(max(tasks), sum(tasks) / slots)  # without the dispatch ticks
    return {"nodes": nodes, "cores": cores, "slots": slots, "tasks": len(tasks),
            "in_order_s": fixed + in_order, "lpt_s": fixed + lpt, "lower_bound_s": fixed + bound}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folders", nargs="+", help="sweep/compare output folders (searched recursively)")
    ap.add_argument("--nodes", default="1,2,4,8,16", help="node counts, comma-separated")
    ap.add_argument("--cores", default="2", help="cores per node (task slots per node), comma-separated")
    ap.add_argument("--overhead", type=float, default=DEFAULT_OVERHEAD_S,
                    help=f"seconds added to every array task (launch); default {DEFAULT_OVERHEAD_S}")
    ap.add_argument("--tick", type=float, default=DEFAULT_TICK_S,
                    help=f"tasks start on multiples of this (scheduler passes), s; default {DEFAULT_TICK_S}")
    ap.add_argument("--fixed", type=float, default=0.0, help="seconds added once (submit, aggregate)")
    ap.add_argument("--points-per-task", type=int, default=1)
    ap.add_argument("--array-limit", type=int, default=0, help="sbatch --array %%limit (0: none)")
    ap.add_argument("--speed", type=float, default=1.0,
                    help="cluster core speed relative to the machine that measured the points")
    ap.add_argument("--top", type=int, default=10, help="list the N longest points")
    ap.add_argument("--json", action="store_true", help="print the estimates as JSON")
    args = ap.parse_args()
    nodes, cores = int_list("--nodes", args.nodes), int_list("--cores", args.cores)
    for opt, v in (("--overhead", args.overhead), ("--fixed", args.fixed), ("--tick", args.tick)):
        if not v >= 0:
            bad(opt, "expected seconds >= 0")
    if args.points_per_task < 1:
        bad("--points-per-task", "expected an integer >= 1")
    if args.array_limit < 0:
        bad("--array-limit", "expected an integer >= 0")
    if not args.speed > 0:
        bad("--speed", "expected a factor > 0")

    points, skipped = [], []
    for folder in args.folders:
        if not os.path.isdir(folder):
            bad(folder, "is not a folder")
        found, sk = load_points(folder)
        if not found and not sk:
            bad(folder, "holds no points/<id>/point.json (not a sweep or compare output folder)")
        points += [(f"{folder}: {label}" if len(args.folders) > 1 else label, t / args.speed) for label, t in found]
        skipped += sk
    if not points:
        bad(args.folders[0], "no finished point with a measured wall_s")
    times = [t for _, t in points]
    total = sum(times)

    rows = [estimate(times, n, c, args.overhead, args.points_per_task, args.array_limit, args.fixed, args.tick)
            for c in cores for n in nodes]
    if args.json:
        json.dump({"points": len(points), "skipped": skipped, "work_s": total, "max_point_s": max(times),
                   "overhead_s": args.overhead, "tick_s": args.tick, "fixed_s": args.fixed, "points_per_task": args.points_per_task,
                   "speed": args.speed, "estimates": rows}, sys.stdout, indent=1)
        print()
        return 0
    print(f"ESTIMATE from {len(points)} measured points ({len(skipped)} skipped: not ok or no wall_s): "
          f"work {total:.1f} s, longest point {max(times):.1f} s, mean {total / len(points):.2f} s; "
          f"per-task overhead {args.overhead:g} s, dispatch tick {args.tick:g} s, fixed {args.fixed:g} s, {args.points_per_task} point(s)/task, "
          f"speed x{args.speed:g}")
    print(f"longest points: " + "; ".join(f"{l} {t:.1f} s" for l, t in sorted(points, key=lambda p: -p[1])[:args.top]))
    print(f"{'nodes':>5} {'cores':>5} {'slots':>5} {'tasks':>5} {'in order s':>10} {'LPT s':>8} {'bound s':>8}")
    for r in rows:
        print(f"{r['nodes']:>5} {r['cores']:>5} {r['slots']:>5} {r['tasks']:>5} {r['in_order_s']:>10.1f} "
              f"{r['lpt_s']:>8.1f} {r['lower_bound_s']:>8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
