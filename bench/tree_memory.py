#!/usr/bin/python3
"""Peak memory of a command and every process it starts, sampled from /proc every --every seconds.

A training run of the reference loads its data in worker processes (torch's DataLoader forks them), while
`ssdlite train` loads in threads of one process, so the peak RSS of the main process alone (what /usr/bin/time
reports) leaves the reference's loader out. This sums over the whole process tree: RSS (pages shared between the
forked workers counted once per process, an upper bound) and PSS (shared pages split between the processes that map
them, the fair total). Prints one JSON line: peaks in MiB, the main process's maximum RSS from the kernel, wall time.

  bench/tree_memory.py [--every 0.2] -- COMMAND ARGS...
"""
import json
import os
import resource
import subprocess
import sys
import time


def children_of(root):
    parents = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            parents.setdefault(int(fields[1]), []).append(int(entry))
        except (OSError, IndexError):
            continue
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(parents.get(pid, []))
    return tree


def kib(path, key):
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(key):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def main(argv):
    every = 0.2
    if argv[:1] == ["--every"]:
        every, argv = float(argv[1]), argv[2:]
    if argv[:1] == ["--"]:
        argv = argv[1:]
    start = time.monotonic()
    child = subprocess.Popen(argv)
    peak_rss = peak_pss = processes = 0
    while child.poll() is None:
        tree = children_of(child.pid)
        processes = max(processes, len(tree))
        peak_rss = max(peak_rss, sum(kib(f"/proc/{p}/status", "VmRSS:") for p in tree))
        peak_pss = max(peak_pss, sum(kib(f"/proc/{p}/smaps_rollup", "Pss:") for p in tree))
        time.sleep(every)
    main_max = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"exit": child.returncode, "wall_s": round(time.monotonic() - start, 1), "processes": processes,
                      "tree_peak_rss_mib": peak_rss // 1024, "tree_peak_pss_mib": peak_pss // 1024,
                      "largest_process_max_rss_mib": main_max // 1024}))
    return child.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
