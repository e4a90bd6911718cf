"""The watchdog of a local sweep's Ray, without Ray: a driver SIGKILLed takes every process
below it along within a second or so, grandchildren in sessions of their own included; a
watchdog stopped by its driver kills nothing."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.sweep.watchdog import INTERVAL, descendants, process_table

REPO = Path(__file__).resolve().parents[2]

# A stand-in driver: its watchdog, a child in a session of its own, a grandchild under a
# shell; prints their pids, then waits for its SIGKILL (or, told "stop", stops its watchdog
# and leaves).
DRIVER = """\
import subprocess, sys, time
from core.sweep.watchdog import start_watchdog, stop_watchdog
watchdog = start_watchdog()
child = subprocess.Popen(["sleep", "300"], start_new_session=True)
shell = subprocess.Popen(["sh", "-c", "sleep 301 & echo $!; wait"], stdout=subprocess.PIPE, text=True)
print(watchdog.pid, child.pid, shell.pid, shell.stdout.readline().strip(), flush=True)
time.sleep(3 * %(interval)r)  # recorded by the watchdog
if sys.argv[1:] == ["stop"]:
    stop_watchdog(watchdog)
    print("stopped", flush=True)
    sys.exit(0)
time.sleep(300)
"""


def running(pid: int) -> bool:
    return pid in process_table()


def start_driver(*arguments: str) -> tuple[subprocess.Popen, list[int]]:
    driver = subprocess.Popen([sys.executable, "-c", DRIVER % {"interval": INTERVAL}, *arguments], cwd=REPO,
                              stdout=subprocess.PIPE, text=True)
    pids = [int(pid) for pid in driver.stdout.readline().split()]
    assert len(pids) == 4, "the stand-in driver did not start"
    return driver, pids


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the watchdog reads /proc")
def test_a_killed_driver_takes_every_process_below_it_along():
    driver, pids = start_driver()
    try:
        assert all(running(pid) for pid in pids)
        time.sleep(3 * INTERVAL)
        driver.send_signal(signal.SIGKILL)
        driver.wait()
        killed_at = time.monotonic()
        while any(running(pid) for pid in pids) and time.monotonic() - killed_at < 10:
            time.sleep(0.05)
        gone_after = time.monotonic() - killed_at
        assert not any(running(pid) for pid in pids), "a process outlived its killed driver by 10 s"
        assert gone_after < 2, f"{gone_after:.1f} s"
    finally:
        for pid in pids:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the watchdog reads /proc")
def test_a_watchdog_stopped_by_its_driver_kills_nothing():
    driver, pids = start_driver("stop")
    watchdog, others = pids[0], pids[1:]
    try:
        assert driver.stdout.readline().strip() == "stopped"
        assert driver.wait(30) == 0
        time.sleep(3 * INTERVAL)
        assert not running(watchdog)
        assert all(running(pid) for pid in others), "the stopped watchdog killed a process"
    finally:
        for pid in pids:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


def test_descendants_of_a_hand_made_table():
    table = {1: (0, 10), 5: (1, 11), 6: (5, 12), 7: (6, 13), 8: (1, 14), 9: (2, 15)}  # pid -> (parent, start)
    assert descendants({5}, table) == {(6, 12), (7, 13)}
    assert descendants({1}, table) == {(5, 11), (6, 12), (7, 13), (8, 14)}
    assert descendants({4}, table) == set()

