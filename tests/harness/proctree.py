"""Memory and CPU of a process and everything it started: hashing runs in a pool of processes."""

import os
from collections.abc import Collection
from pathlib import Path

KIB = 1024


def peak_rss(pid: int) -> int:
    """VmHWM of `pid`, in bytes: the most resident memory it ever had."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * KIB
    raise RuntimeError(f"no VmHWM in /proc/{pid}/status")


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds `pid` has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def descendants(pid: int, excluding: Collection[int] = ()) -> list[int]:
    """The processes `pid` started, and theirs, still running; none below `excluding`."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            # the parent pid is the 2nd field after the command, which is in parentheses
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # it ended meanwhile
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], list(children.get(pid, []))
    while todo:
        child = todo.pop()
        if child in excluding:
            continue
        found.append(child)
        todo += children.get(child, [])
    return found


def peak_rss_of_descendants(pid: int | None = None) -> int:
    """The sum of the peaks of every process below `pid` (this one by default): more than
    they ever held at once, since their peaks need not coincide."""
    total = 0
    for child in descendants(os.getpid() if pid is None else pid):
        try:
            total += peak_rss(child)
        except OSError:
            continue
    return total


def cpu_seconds_of_descendants(excluding: Collection[int] = ()) -> float:
    """CPU seconds used so far by the processes this one started, still running, but those
    below `excluding`."""
    total = 0.0
    for child in descendants(os.getpid(), excluding):
        try:
            total += cpu_seconds(child)
        except OSError:
            continue
    return total
