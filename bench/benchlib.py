"""Shared helpers for bench/planning.py and bench/coverage.py (Python 3.11, standard library).

* `run_measured` runs one command in its own process group with a wall-clock cap, and measures
  its wall time, its CPU-seconds (user+sys of the whole process tree: exact from
  `getrusage(RUSAGE_CHILDREN)` when it exits normally; from /proc samples of its process group
  when it is killed at the cap, since a killed tree's unreaped grandchildren never reach
  rusage), its peak RSS (sum over the group, sampled every 0.2 s) and the CPU that *other*
  processes on the machine used meanwhile (whole-machine busy time from /proc/stat minus the
  measured tree minus this harness).
* `machine_facts` and `write_section` (replaces one `## ` section of bench/RESULTS.md, or
  appends it, leaving every other section untouched).
"""

from __future__ import annotations

import os
import pathlib
import platform
import re
import resource
import signal
import subprocess
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")
NPROC = os.cpu_count() or 1


def loadavg() -> str:
    return " ".join(pathlib.Path("/proc/loadavg").read_text().split()[:3])


def _machine_busy_ticks() -> int:
    fields = pathlib.Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    values = [int(v) for v in fields[:8]]  # user nice system idle iowait irq softirq steal
    return sum(values) - values[3] - values[4]


def _group_sample(pgid: int) -> tuple[dict[int, int], int]:
    """CPU ticks (utime+stime+cutime+cstime) per live process of the group, and summed RSS."""
    ticks: dict[int, int] = {}
    rss_pages = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            raw = pathlib.Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        rest = raw[raw.rfind(")") + 2:].split()
        # rest[0]=state, [2]=pgrp, [11..14]=utime stime cutime cstime, [21]=rss pages
        if int(rest[2]) != pgid:
            continue
        ticks[int(entry)] = int(rest[11]) + int(rest[12]) + int(rest[13]) + int(rest[14])
        rss_pages += int(rest[21])
    return ticks, rss_pages


def run_measured(cmd: list[str], *, timeout: float, stdout_path: pathlib.Path,
                 stderr_path: pathlib.Path, env: dict | None = None, cwd: str | None = None,
                 limit_as_bytes: int | None = None) -> dict:
    """Runs `cmd`; returns wall/CPU/RSS/other-load figures and whether it hit `timeout`."""
    page_mb = os.sysconf("SC_PAGE_SIZE") / 2**20

    # A Python pre-exec hook makes subprocess fork this whole interpreter and run Python in the
    # child before exec; the child's rusage then carries that copy (about 1.5 ms with the bench
    # venv's numpy and pandas loaded, against about 1 ms for a whole hello-world process). So
    # the hook is set only when a memory limit needs it; otherwise the child is spawned by
    # vfork and its CPU figure is the command's own.
    def preexec():
        resource.setrlimit(resource.RLIMIT_AS, (limit_as_bytes, limit_as_bytes))

    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    self0 = time.process_time()
    busy0 = _machine_busy_ticks()
    started = time.perf_counter()
    with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=cwd,
                                start_new_session=True,
                                preexec_fn=preexec if limit_as_bytes else None)
        pgid = proc.pid
        last_ticks: dict[int, int] = {}
        peak_rss = 0.0
        timed_out = False
        while True:
            try:
                proc.wait(timeout=0.2)
                break
            except subprocess.TimeoutExpired:
                pass
            ticks, rss = _group_sample(pgid)
            if ticks:
                last_ticks = ticks
            peak_rss = max(peak_rss, rss * page_mb)
            if time.perf_counter() - started > timeout:
                timed_out = True
                ticks, _ = _group_sample(pgid)
                if ticks:
                    last_ticks = ticks
                try:
                    os.killpg(pgid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait()
                break
    wall = time.perf_counter() - started
    busy1 = _machine_busy_ticks()
    self_cpu = time.process_time() - self0
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_rusage = (ru1.ru_utime + ru1.ru_stime) - (ru0.ru_utime + ru0.ru_stime)
    cpu_sampled = sum(last_ticks.values()) / CLK_TCK
    if timed_out:
        # the killed tree: whatever was seen last in /proc (reaped parts are in rusage)
        cpu, cpu_source = max(cpu_rusage, cpu_sampled), "sampled /proc (killed at cap)"
    else:
        cpu, cpu_source = cpu_rusage, "rusage"
    machine = (busy1 - busy0) / CLK_TCK
    other = max(0.0, machine - cpu - self_cpu)
    return dict(cmd=cmd, rc=proc.returncode, timed_out=timed_out, timeout_s=timeout,
                wall_s=round(wall, 3), cpu_s=round(cpu, 6), cpu_source=cpu_source,
                user_s=round(ru1.ru_utime - ru0.ru_utime, 6),
                sys_s=round(ru1.ru_stime - ru0.ru_stime, 6),
                peak_rss_mb=round(peak_rss), other_cpu_s=round(other, 2),
                other_share=round(other / (wall * NPROC), 3) if wall > 0 else 0.0)


def command_output(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=60).stdout.strip()
    except (OSError, subprocess.SubprocessError) as error:
        return f"unavailable ({error})"


def machine_facts() -> dict:
    cpuinfo = pathlib.Path("/proc/cpuinfo").read_text()
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, flags=re.M)
    mem = re.search(r"^MemTotal:\s*(\d+) kB", pathlib.Path("/proc/meminfo").read_text(), flags=re.M)
    return dict(
        nproc=NPROC,
        cpu=model.group(1).strip() if model else "unknown",
        ram_gib=round(int(mem.group(1)) / 2**20, 1) if mem else None,
        kernel=platform.release(),
        python=platform.python_version(),
        rustc=command_output(["rustc", "--version"]),
    )


def write_section(path: pathlib.Path, title: str, body: str) -> None:
    """Replaces the `## title` section of `path` (up to the next `## `) or appends it."""
    section = f"## {title}\n\n{body.rstrip()}\n"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    heading = f"## {title}\n"
    start = text.find(heading)
    if start == -1:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        following = re.search(r"^## ", text[start + len(heading):], flags=re.M)
        end = start + len(heading) + following.start() if following else len(text)
        text = text[:start] + section + ("\n" if following else "") + text[end:]
    path.write_text(text, encoding="utf-8")


def fmt_s(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def fmt_int(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f}"
