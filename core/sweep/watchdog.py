"""A watchdog that ends a local sweep's Ray when the sweep's driver dies, however it dies.

    python -m core.sweep.watchdog DRIVER_PID

What Ray does by itself, measured with Ray 2.60 on Linux after a ``SIGKILL`` of a driver that
started Ray with ``ray.init``: the GCS server, the raylet and Ray's monitors die at once (Ray
starts them with ``PR_SET_PDEATHSIG``); the task workers about 2.5 s later (they lose their
raylet), and a step's training with its worker (:mod:`core.sweep.step_process`); but the
dashboard agent and the runtime-env agent, children of the raylet, live on for about 60 s
(they try to flush their logs to the dead GCS first).

So the driver starts this watchdog (:func:`start_watchdog`) before ``ray.init``. It runs in a
session of its own (Ctrl-C or a closed terminal that stops the driver does not stop it), and
every :data:`INTERVAL` seconds it records the driver's descendants from ``/proc``: pid and
start time. When its parent is no longer the driver (the kernel gives an orphan a new
parent), it ``SIGKILL``s every recorded process that still runs with the same start time (a
reused pid is never hit), and the children those left, then exits. On a normal end the
driver stops it (:func:`stop_watchdog`) and it kills nothing.

Why not a process group: the driver shares its group with whoever started it (a shell job
with a ``| tee``, a test runner), so killing the group could hit them, and Ray puts each
worker in a group of its own anyway. Why not ``PR_SET_PDEATHSIG`` alone: it reaches only the
driver's own children, and the agents are its grandchildren. Linux only (``/proc``); elsewhere
no watchdog starts and Ray's own clean-up applies. A process started less than
:data:`INTERVAL` before the driver died may be missed by the record; Ray's processes start
with ``ray.init`` and live as long as the sweep, and a step's process ends with its worker.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

INTERVAL = 0.5  # seconds between two records of the driver's descendants
MODULE = "core.sweep.watchdog"

Process = tuple[int, int]  # (pid, start time in clock ticks since boot): one process, never a reused pid


def process_table() -> dict[int, tuple[int, int]]:
    """Every process of this machine: pid -> (parent pid, start time), from ``/proc``."""
    table = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:  # it ended meanwhile
            continue
        fields = stat[stat.rindex(b")") + 2:].split()  # after "pid (command name) "; the name may hold spaces
        if fields[0] != b"Z":  # a zombie has ended already
            table[int(name)] = (int(fields[1]), int(fields[19]))
    return table


def descendants(roots: set[int], table: dict[int, tuple[int, int]]) -> set[Process]:
    """The processes of ``table`` below any of ``roots``, the roots themselves left out."""
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in table.items():
        children.setdefault(parent, []).append(pid)
    found: set[Process] = set()
    stack = list(roots)
    while stack:
        for child in children.get(stack.pop(), ()):
            if (child, table[child][1]) not in found:
                found.add((child, table[child][1]))
                stack.append(child)
    return found


def kill_recorded(recorded: set[Process], spare: int) -> set[Process]:
    """``SIGKILL`` every process of ``recorded`` still running (same pid, same start time)
    and every process below them, until none is left (a few rounds: one may fork while its
    parent is killed). ``spare`` (this watchdog) is never killed. Returns those killed."""
    killed: set[Process] = set()
    for _ in range(5):
        table = process_table()
        alive = {(pid, start) for pid, start in recorded | killed if table.get(pid, (0, None))[1] == start}
        targets = (alive | descendants({pid for pid, _ in alive}, table)) - killed
        targets = {(pid, start) for pid, start in targets if pid != spare}
        if not targets:
            break
        for pid, _ in targets:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:  # ended meanwhile
                pass
        killed |= targets
        time.sleep(0.1)
    return killed


def watch(driver: int, interval: float = INTERVAL) -> int:
    """Record ``driver``'s descendants until it is no longer this process's parent, then kill
    them (:func:`kill_recorded`). Returns how many were killed."""
    me = os.getpid()
    recorded: set[Process] = set()
    while os.getppid() == driver:
        recorded = {(pid, start) for pid, start in descendants({driver}, process_table()) if pid != me}
        time.sleep(interval)
    return len(kill_recorded(recorded, spare=me))


def start_watchdog() -> subprocess.Popen | None:
    """Start the watchdog of this process (Linux; elsewhere ``None``)."""
    if not sys.platform.startswith("linux") or not os.path.isdir("/proc"):
        return None
    from core.sweep.child import REPO_ROOT, child_env

    return subprocess.Popen([sys.executable, "-m", MODULE, str(os.getpid())], stdin=subprocess.DEVNULL,
                            cwd=REPO_ROOT, env=child_env(), start_new_session=True)


def stop_watchdog(watchdog: subprocess.Popen | None) -> None:
    """End a watchdog without it killing anything (the driver lives on)."""
    if watchdog is None or watchdog.poll() is not None:
        return
    watchdog.terminate()
    try:
        watchdog.wait(5)
    except subprocess.TimeoutExpired:
        watchdog.kill()
        watchdog.wait()


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    if len(arguments) != 1 or not arguments[0].isdigit():
        print(f"usage: python -m {MODULE} DRIVER_PID", file=sys.stderr)
        return 2
    watch(int(arguments[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
