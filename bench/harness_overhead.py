"""How much CPU a Python pre-exec hook charges to a measured child (see benchlib.run_measured).

With `preexec_fn`, subprocess forks the whole harness interpreter (numpy and scipy loaded, as in
bench/planning.py) and runs Python in the child before exec; the child's rusage then carries
that copy. Without it the child is spawned by vfork. Each command runs --runs times both ways,
alternating, and the medians are printed:

    target/bench-planning/venv/bin/python bench/harness_overhead.py [--runs 100]
"""

from __future__ import annotations

import argparse
import pathlib
import resource
import statistics
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import planning  # noqa: E402,F401  (loads numpy and scipy, as the bench harness has them)


def child_cpu_ms(cmd: list[str], hook: bool) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                     start_new_session=True, preexec_fn=(lambda: None) if hook else None).wait()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) * 1e3


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--yibao", type=pathlib.Path,
                    default=planning.REPO / "target" / "bench-planning" / "bin" / "yibao")
    args = ap.parse_args()
    inst = planning.REPO / "target" / "bench-planning" / "planning" / "5000x2000" / "instance"
    commands = {
        "/bin/true": ["/bin/true"],
        "yibao plan-sites 5k×2k": [
            str(args.yibao), "plan-sites", "--demand", str(inst / "demand.csv"), "--candidates",
            str(inst / "cand.csv"), "--metric", "euclidean", "--sites", str(planning.P),
            "--radius-m", f"{planning.RADIUS:g}", "--out", "/dev/null"],
    }
    for name, cmd in commands.items():
        hooked, plain = [], []
        for _ in range(args.runs):
            hooked.append(child_cpu_ms(cmd, True))
            plain.append(child_cpu_ms(cmd, False))
        print(f"{name}: median CPU {statistics.median(hooked):.2f} ms with a pre-exec hook, "
              f"{statistics.median(plain):.2f} ms without ({args.runs} runs each)")


if __name__ == "__main__":
    main()
