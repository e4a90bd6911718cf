"""Real sweeps on Ray with 2 CPUs: a tiny 2-cell grid (train + evaluate + 1 BO round) on a
small ENAS file, started here, killed half-way, run again, and run on a cluster started
with ``ray start --head`` in another process; a local sweep's Ray listens on 127.0.0.1
only and ends within seconds of a SIGKILLed driver. Each test leaves no Ray process behind."""

from __future__ import annotations

import ipaddress
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import torch

from core import runs
from core.__main__ import main
from core.spaces.data_dir import DATA_DIR_ENV
from core.sweep.watchdog import descendants, process_table
from core.bo.config import methods_of
from core.training.train import FAULT_ARMING_FILE, FAULT_ENV
from tests.sweep.conftest import write_sweep

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("one_thread")]

REPO = Path(__file__).resolve().parents[2]
TRAIN_FLAGS = {"checkpoint-every": 1, "monitor-graphs": 8, "monitor-prior-points": 8}
TINY = """\
steps = ["train", "evaluate", "bo"]
[grid]
spaces = ["enas6"]
encodings = ["onehot", "learned"]
presets = ["tiny"]
[train]
""" + "".join(f"{k} = {v}\n" for k, v in TRAIN_FLAGS.items()) + """\
[evaluate]
encode-times = 1
decode-times = 1
prior-points = 10
gp-seeds = 1
[bo]
rounds = 1
batch-size = 5
seeds = 1
"""
CELLS = ["enas6-onehot-tiny-seed0", "enas6-learned-tiny-seed0"]


def ray_processes() -> set[int]:
    """Process ids of every Ray node on this machine (its GCS servers and raylets)."""
    found = subprocess.run(["pgrep", "-f", "ray/core/src/ray/(gcs/gcs_server|raylet/raylet)"],
                           capture_output=True, text=True).stdout.split()
    return {int(pid) for pid in found}


@pytest.fixture
def sweep_env(monkeypatch, enas_dir):
    """The small ENAS file as the data directory; no fault; Ray processes checked after."""
    monkeypatch.setenv(DATA_DIR_ENV, str(enas_dir))
    monkeypatch.setenv("RAY_USAGE_STATS_ENABLED", "0")
    monkeypatch.delenv(FAULT_ENV, raising=False)
    before = ray_processes()
    yield
    deadline = time.monotonic() + 30
    while ray_processes() - before and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not ray_processes() - before, "the sweep left Ray processes running"


def unbroken_train(out: Path, encoding: str, **flags) -> Path:
    """The cell's training run by hand, never killed (one thread, like the sweep's tasks)."""
    argv = ["train", "--space", "enas6", "--encoding", encoding, "--preset", "tiny", "--seed", "0",
            "--out", str(out), "--no-progress"]
    for flag, value in {**TRAIN_FLAGS, **flags}.items():
        argv += [f"--{flag}", str(value)]
    assert main(argv) == 0
    return out


def assert_same_weights(a: Path, b: Path) -> None:
    whole = torch.load(a / runs.MODEL, weights_only=True)["state_dict"]
    again = torch.load(b / runs.MODEL, weights_only=True)["state_dict"]
    assert whole.keys() == again.keys()
    for name in whole:
        assert torch.equal(whole[name], again[name]), name
    pd.testing.assert_frame_equal(pd.read_parquet(a / runs.LATENTS), pd.read_parquet(b / runs.LATENTS))


def test_a_tiny_sweep_runs_resumes_a_killed_training_and_skips_everything_the_second_time(
        tmp_path, sweep_env, monkeypatch, capsys):
    out = tmp_path / "sweep"
    spec = write_sweep(tmp_path, TINY)
    monkeypatch.setenv(FAULT_ENV, "e1:checkpoint")  # every training is killed after its first epoch
    FAULT_ARMING_FILE.write_text("armed by tests/sweep/test_sweep_ray.py\n")  # the tasks' processes honour it
    try:
        assert main(["sweep", str(spec), "--out", str(out), "--cpus", "2", "--no-progress"]) == 0
    finally:
        FAULT_ARMING_FILE.unlink(missing_ok=True)
    printed = capsys.readouterr().out
    monkeypatch.delenv(FAULT_ENV)

    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == sorted(
        [*CELLS, "logs", "summary.csv", "summary.md", "sweep.toml"])
    for cell in CELLS:
        run = out / cell
        assert {runs.MODEL, runs.LATENTS, runs.METRICS}.issubset(p.name for p in run.iterdir())
        expected = {f"{method}-seed0.json" for method in methods_of("all", "pool")}  # every method, one seed
        assert {p.name for p in (run / runs.BO_DIR).glob("*-seed0.json")} == expected
        log = (out / "logs" / cell / "train.log").read_text()
        assert "exit status -9" in log and "--resume" in log, log  # killed, then resumed by the retry
        assert f"{cell}/train: failed (killed by SIGKILL); trying once more" in printed
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary["cell"]) == CELLS and set(summary["status"]) == {"done"}
    assert list(summary["train_attempts"]) == [2, 2] and (summary["evaluate_seconds"] > 0).all()
    assert {"recon_accuracy", "validity", "rmse", "pearson"}.issubset(summary.columns)
    assert "| enas6-learned-tiny-seed0 | enas6 | learned |" in (out / "summary.md").read_text()
    assert "cells: 2 done, 0 running, 0 failed, 0 waiting" in printed

    # the killed-and-resumed training is the unbroken one
    assert_same_weights(unbroken_train(tmp_path / "unbroken", "learned"), out / CELLS[1])

    # a second invocation finds every step complete: it runs nothing and starts no Ray
    files = {p: p.stat().st_mtime_ns for cell in CELLS for p in (out / cell).rglob("*") if p.is_file()}
    assert main(["sweep", str(spec), "--out", str(out), "--cpus", "2", "--no-progress"]) == 0
    assert "all 6 steps of 2 cells are complete, skipped" in capsys.readouterr().out
    assert files == {p: p.stat().st_mtime_ns for cell in CELLS for p in (out / cell).rglob("*") if p.is_file()}
    assert set(pd.read_csv(out / "summary.csv")["train_status"]) == {"skipped"}


# Long enough (about 10 s of tiny epochs) that the training is still running when the killed
# driver's Ray has torn its workers down; at 12 epochs (1.9 s) it sometimes finished first.
KILLED_EPOCHS = 80


def test_a_killed_sweep_run_again_finishes_its_cells_to_the_unbroken_weights(tmp_path, sweep_env):
    out = tmp_path / "sweep"
    spec = write_sweep(tmp_path, TINY.replace('steps = ["train", "evaluate", "bo"]', 'steps = ["train"]')
                       .replace('encodings = ["onehot", "learned"]', 'encodings = ["learned"]')
                       .replace("[train]\n", f"[train]\nepochs = {KILLED_EPOCHS}\n").split("[evaluate]")[0])
    command = [sys.executable, "-m", "core", "sweep", str(spec), "--out", str(out), "--cpus", "2", "--no-progress"]
    driver = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    run = out / CELLS[1]
    deadline = time.monotonic() + 240
    while not (run / runs.CHECKPOINT).exists() and driver.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    driver.send_signal(signal.SIGKILL)  # the whole sweep, as a crash or an OOM kill would
    driver.wait()
    deadline = time.monotonic() + 60  # its Ray and its training end with it
    while _processes_naming(run) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not _processes_naming(run), "the training outlived its killed sweep"
    assert (run / runs.CHECKPOINT).exists() and not (run / runs.LATENTS).exists(), "not killed half-way"

    assert main(["sweep", str(spec), "--out", str(out), "--cpus", "2", "--no-progress"]) == 0
    assert "--resume" in (out / "logs" / CELLS[1] / "train.log").read_text()
    assert_same_weights(unbroken_train(tmp_path / "unbroken", "learned", epochs=KILLED_EPOCHS), run)


def listening(pids: set[int]) -> list[tuple[str, int, int]]:
    """The TCP sockets that ``pids`` listen on, as (address, port, pid), from ``/proc``."""
    owners = {}
    for pid in pids:
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if target.startswith("socket:["):
                    owners[target[8:-1]] = pid
        except OSError:  # ended meanwhile
            continue
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for row in Path(table).read_text().splitlines()[1:]:
            fields = row.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and inode in owners:  # 0A: LISTEN
                hexed, port = local.split(":")
                raw = b"".join(bytes.fromhex(hexed[i:i + 8])[::-1] for i in range(0, len(hexed), 8))
                found.append((str(ipaddress.ip_address(raw)), int(port, 16), owners[inode]))
    return found


def is_loopback(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return ip.is_loopback or (ip.version == 6 and ip.ipv4_mapped is not None and ip.ipv4_mapped.is_loopback)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_local_sweep_listens_on_the_loopback_only_and_ends_with_its_killed_driver(tmp_path, sweep_env):
    spec = write_sweep(tmp_path, 'steps = ["train"]\n[grid]\nspaces = ["enas6"]\nencodings = ["learned"]\n'
                                 'presets = ["tiny"]\n[train]\nepochs = 5000\n')  # runs for minutes
    command = [sys.executable, "-m", "core", "sweep", str(spec), "--out", str(tmp_path / "sweep"), "--cpus", "1",
               "--no-progress"]
    driver = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env={**os.environ, "OMP_NUM_THREADS": "1"})
    started: set[tuple[int, int]] = set()
    try:
        deadline = time.monotonic() + 240
        while driver.poll() is None and time.monotonic() < deadline and not any(
                "core.sweep.step_process" in _command_line(pid) and "--threads" in _command_line(pid)
                for pid, _ in descendants({driver.pid}, process_table())):
            time.sleep(0.2)
        assert driver.poll() is None, "the sweep ended before its training ran"
        time.sleep(1)
        started = descendants({driver.pid}, process_table())  # Ray's processes, its watchdog, the step
        sockets = listening({pid for pid, _ in started} | {driver.pid})
        print(f"\nlistening: {sorted(sockets)}")
        assert len({pid for _, _, pid in sockets}) >= 3, sockets  # the driver, the GCS, the raylet at least
        assert all(is_loopback(address) for address, _, _ in sockets), sockets
    finally:
        driver.send_signal(signal.SIGKILL)  # as a crash or an OOM kill would
        driver.wait()
    killed_at = time.monotonic()
    table = process_table()
    while any(table.get(pid, (0, None))[1] == start for pid, start in started) and time.monotonic() - killed_at < 10:
        time.sleep(0.1)
        table = process_table()
    left = [(pid, _command_line(pid)) for pid, start in started if table.get(pid, (0, None))[1] == start]
    print(f"{len(started)} processes below the driver; the last gone {time.monotonic() - killed_at:.1f} s after the kill")
    assert not left, f"still running 10 s after the driver's SIGKILL: {left}"


def _command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _processes_naming(path: Path) -> list[str]:
    return subprocess.run(["pgrep", "-f", str(path)], capture_output=True, text=True).stdout.split()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def ray_cluster(tmp_path, sweep_env):
    """A one-machine Ray cluster started as a user would, `ray start --head`, in its own
    process; stopped (and checked gone) at teardown. Yields its address."""
    log = tmp_path / "ray-start.log"
    ray = Path(sys.executable).with_name("ray")
    command = [str(ray), "start", "--head", "--port", str(free_port()), "--num-cpus", "2", "--include-dashboard=false",
               "--disable-usage-stats", "--block"]
    with open(log, "w") as handle:
        head = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        address = None
        deadline = time.monotonic() + 120
        while address is None and head.poll() is None and time.monotonic() < deadline:
            time.sleep(0.5)
            found = re.search(r"ray start --address='([^']+)'", log.read_text())
            address = found.group(1) if found else None
        assert address, f"ray start --head did not come up:\n{log.read_text()[-2000:]}"
        yield address
    finally:
        head.send_signal(signal.SIGTERM)  # `ray start --block` stops its node on SIGTERM
        try:
            head.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(head.pid, signal.SIGKILL)
            head.wait()


def test_the_same_sweep_runs_on_a_cluster_given_by_address(tmp_path, ray_cluster, monkeypatch, capsys):
    monkeypatch.setenv("RAY_AUTH_MODE", "token")  # Ray sends its token only when told to, given an address
    out = tmp_path / "sweep"
    spec = write_sweep(tmp_path, TINY)
    assert main(["sweep", str(spec), "--out", str(out), "--address", ray_cluster, "--no-progress"]) == 0
    assert "on 2 CPUs" in capsys.readouterr().out
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary["cell"]) == CELLS and set(summary["status"]) == {"done"}
    assert (out / CELLS[0] / runs.METRICS).is_file() and (out / CELLS[1] / runs.BO_DIR).is_dir()

