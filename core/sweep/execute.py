"""Run a sweep's steps as Ray tasks: each step starts once the steps it waits for are done,
reserves its CPUs, and runs its command in a child process limited to as many torch threads.

Ray starts on this machine (``address=None``: its dashboard off, usage statistics off unless
``RAY_USAGE_STATS_ENABLED`` says otherwise, every server listening on 127.0.0.1 only, and a
watchdog that ends it within a second or so of the driver's death, :mod:`core.sweep.watchdog`)
or joins a running cluster (``auto``, ``HOST:PORT``, or ``ray://HOST:PORT`` through Ray Client). On a cluster every node needs this
repository and its environment at the same path, and the sweep's output folder on a shared
filesystem: a task runs ``python -m core ...`` there, on the files the driver reads back.

The driver keeps no more tasks running than the cluster has CPUs, so "running" means
running. A failed step (non-zero exit, or its task lost with its node) is tried once more,
a ``train`` with ``--resume``; failed again, it is reported with its log and the steps after
it in its cell are blocked, while the other cells go on.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from core.errors import OpEmbedError
from core.sweep.child import REPO_ROOT, child_command, child_env, python_path
from core.sweep.plan import Step, SweepPlan
from core.sweep.records import StepRecord, log_path, save_cell_settings, write_record

ATTEMPTS = 2  # a failed step is tried once more
LOCAL_OBJECT_STORE_BYTES = 128 * 1024**2  # tasks pass only small records; Ray's default is 30 % of memory
ENV_PREFIXES = ("OPEMBED_",)  # the driver's settings that travel with every task
LOOPBACK = "127.0.0.1"  # where a local sweep's Ray listens
CLUSTER_SWITCH = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"  # Ray's switch: off, a node's address is the loopback

# the states of a step during a sweep
WAITING, SKIPPED, RUNNING, DONE, FAILED, BLOCKED = "waiting", "skipped", "running", "done", "failed", "blocked"


@dataclass(frozen=True)
class StepOutcome:
    """What a step's task returns: the command's exit status, its wall seconds and the host."""

    exit_code: int
    seconds: float
    host: str


def run_step_process(argv: list[str], threads: int, log: str, env: dict[str, str], cwd: str) -> StepOutcome:
    """The body of a step's Ray task: run ``python -m core <argv>`` in a child process with
    ``threads`` torch threads, appending its output to ``log``.

    The child ends with its task: on Linux it asks for SIGTERM when the worker dies
    (:mod:`core.sweep.step_process`).
    """
    host = socket.gethostname()
    Path(log).parent.mkdir(parents=True, exist_ok=True)
    command = child_command("--threads", str(threads), "--", *argv)
    environment = child_env({**env, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)})
    with open(log, "a", encoding="utf-8") as handle:
        handle.write(f"=== {datetime.now().isoformat(timespec='seconds')} on {host}, {threads} thread(s): "
                     f"python -m core {' '.join(argv)}\n")
        handle.flush()
        started = time.perf_counter()
        result = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=handle, stderr=subprocess.STDOUT,
                                cwd=cwd, env=environment)
        seconds = time.perf_counter() - started
        handle.write(f"=== exit status {result.returncode} after {seconds:.1f} s\n")
    return StepOutcome(exit_code=result.returncode, seconds=seconds, host=host)


# ---------------------------------------------------------------- Ray
def connect(address: str | None, cpus: int | None) -> None:
    """Start Ray on this machine (``address=None``, ``cpus`` CPUs, default all) or join the
    cluster at ``address``. The tasks' workers import this repository.

    Raises:
        OpEmbedError: Ray is missing, or no cluster answers at ``address``.
    """
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    try:
        import ray
    except ImportError:
        raise OpEmbedError("ray is not installed\n  fix: pip install -r requirements.txt") from None
    common = {"log_to_driver": False, "logging_level": logging.WARNING,
              "runtime_env": {"env_vars": {"PYTHONPATH": python_path()}}}
    if address is None:
        _start_local(ray, cpus, common)
        return
    _check_reachable(address)
    if address.startswith("ray://"):
        try:
            import grpc  # noqa: F401  (Ray Client's transport, in the ray[client] extra)
        except ImportError:
            raise OpEmbedError(f"--address {address}: Ray Client needs the ray[client] extra\n"
                               "  fix: pip install 'ray[client]==2.60.0', or run the sweep on a node of the cluster "
                               "with --address auto") from None
    try:
        ray.init(address=address, **common)
    except (ConnectionError, RuntimeError, ValueError) as error:
        raise OpEmbedError(
            f"--address {address}: no Ray cluster let this machine in ({' '.join(str(error).split())[:200]})\n"
            "  fix: a cluster started with `ray start --head` asks for its token: with --address HOST:PORT set "
            "RAY_AUTH_MODE=token and give this machine the head's ~/.ray/auth_token (or run the sweep on the head "
            "with --address auto)") from None


def _start_local(ray, cpus: int | None, common: dict) -> None:
    """``ray.init`` of a Ray private to this machine and this driver: every server on
    127.0.0.1, and a watchdog (:mod:`core.sweep.watchdog`) that ends Ray's processes if the
    driver dies without :func:`disconnect`.

    Raises:
        OpEmbedError: Ray came up on another address (a Ray release that no longer honours
            the loopback switch; nothing is left running).
    """
    from core.sweep.watchdog import start_watchdog

    global _watchdog
    _watchdog = start_watchdog()
    try:
        with _loopback_only():
            ray.init(address="local", num_cpus=cpus or os.cpu_count() or 1, include_dashboard=False,
                     object_store_memory=LOCAL_OBJECT_STORE_BYTES, _node_ip_address=LOOPBACK, **common)
        addresses = sorted({node["NodeManagerAddress"] for node in ray.nodes()})
    except BaseException:
        disconnect()
        raise
    if addresses != [LOOPBACK]:
        disconnect()
        raise OpEmbedError(f"ray {ray.__version__}: the local Ray listens on {', '.join(addresses)}, not only on "
                           f"{LOOPBACK}\n  fix: install the Ray of requirements.txt, or start a cluster yourself "
                           "(`ray start --head --node-ip-address 127.0.0.1`) and pass --address")


@contextlib.contextmanager
def _loopback_only():
    """Ray 2.60 turns ``_node_ip_address="127.0.0.1"`` into this machine's network address
    and then listens on every interface. With its cluster switch off (the environment
    variable, inherited by the Ray processes started meanwhile, and the constant this
    process read at import) a node's address stays the loopback and every server binds to
    it: measured, the GCS, the raylet, the workers and the runtime-env agent on 127.0.0.1
    only. Both are put back once Ray runs."""
    from ray._private import ray_constants

    saved_variable, saved_switch = os.environ.get(CLUSTER_SWITCH), ray_constants.ENABLE_RAY_CLUSTER
    os.environ[CLUSTER_SWITCH] = "0"
    ray_constants.ENABLE_RAY_CLUSTER = False
    try:
        yield
    finally:
        ray_constants.ENABLE_RAY_CLUSTER = saved_switch
        if saved_variable is None:
            os.environ.pop(CLUSTER_SWITCH, None)
        else:
            os.environ[CLUSTER_SWITCH] = saved_variable


def _check_reachable(address: str) -> None:
    """A ``HOST:PORT`` (or ``ray://HOST:PORT``) that accepts no connection is reported at once;
    Ray itself would retry for minutes. ``auto`` is left to Ray."""
    match = re.fullmatch(r"(?:ray://)?\[?([^\[\]]+?)\]?:(\d+)", address)
    if match is None:
        return
    try:
        socket.create_connection((match.group(1), int(match.group(2))), timeout=10).close()
    except OSError as error:
        raise OpEmbedError(
            f"--address {address}: no Ray cluster answered ({error.strerror or error})\n"
            "  fix: start one with `ray start --head` (and `ray start --address HEAD:6379` on each other machine), "
            "or leave --address out to start Ray here") from None


_watchdog: subprocess.Popen | None = None  # the watchdog of a Ray started here (core.sweep.watchdog)


def disconnect() -> None:
    """Leave Ray (a Ray started here stops), then stop its watchdog."""
    import ray

    from core.sweep.watchdog import stop_watchdog

    global _watchdog
    try:
        if ray.is_initialized():
            ray.shutdown()
    finally:
        stop_watchdog(_watchdog)
        _watchdog = None


def cluster_cpus() -> int:
    import ray

    return int(ray.cluster_resources().get("CPU", 0))


# ---------------------------------------------------------------- the schedule
class SweepExecution:
    """The states of a sweep's steps while Ray runs them.

    Args:
        plan: the sweep's cells and steps.
        skipped: keys of the steps already complete (never run).
        on_change: called with this object after every change of state, and with a message
            for events worth a line (a step done, failed, retried).
    """

    def __init__(self, plan: SweepPlan, skipped: set[str],
                 on_change: Callable[[SweepExecution, str | None], None] = lambda execution, message: None):
        self.plan = plan
        self.steps = {step.key: step for step in plan.steps}
        self.state = {key: SKIPPED if key in skipped else WAITING for key in self.steps}
        self.attempts = {key: 0 for key in self.steps}
        self.records: dict[str, StepRecord] = {}
        self.on_change = on_change
        self._order = {cell.name: index for index, cell in enumerate(plan.cells)}

    def _upstream(self, step: Step) -> list[str]:
        return [f"{step.cell.name}/{kind}" for kind in step.after if f"{step.cell.name}/{kind}" in self.steps]

    def ready(self) -> list[Step]:
        """Waiting steps whose upstream steps are done or skipped: a cell's later steps first,
        so cells finish early, then in grid order."""
        ready = [step for key, step in self.steps.items() if self.state[key] == WAITING
                 and all(self.state[up] in (DONE, SKIPPED) for up in self._upstream(step))]
        return sorted(ready, key=lambda s: (-len(s.after), self._order[s.cell.name]))

    def block_after(self, step: Step) -> None:
        """Mark every step that waits, directly or not, on ``step`` as blocked."""
        for key, other in self.steps.items():
            if self.state[key] == WAITING and step.key in self._upstream(other):
                self.state[key] = BLOCKED
                self.block_after(other)

    def run(self) -> None:
        """Run every waiting step on the connected Ray cluster, in dependency order."""
        import ray

        task = ray.remote(run_step_process)
        env = {name: value for name, value in os.environ.items() if name.startswith(ENV_PREFIXES)}
        in_flight: dict[object, Step] = {}
        used = 0
        self.on_change(self, None)
        while True:
            capacity = max(cluster_cpus(), 1)
            for step in self.ready():
                if in_flight and used + step.cpus > capacity:
                    break
                ref = self._submit(task, step, env)
                in_flight[ref] = step
                used += step.cpus
            if not in_flight:
                break
            finished, _ = ray.wait(list(in_flight), num_returns=1, timeout=1.0)
            for ref in finished:
                step = in_flight.pop(ref)
                used -= step.cpus
                try:
                    outcome: StepOutcome | None = ray.get(ref)
                except ray.exceptions.RayError as error:  # its worker or node died
                    outcome = None
                    lost = " ".join(str(error).split())[:200]
                else:
                    lost = ""
                self._finish(step, outcome, lost)

    def _submit(self, task, step: Step, env: dict[str, str]):
        out = self.plan.out
        argv = list(step.argv)
        if step.kind == "train":
            from core.cli.validation import run_entries

            if self.attempts[step.key] == 0:
                save_cell_settings(out, step.cell, step.argv)
            if run_entries(step.run_dir(out)):
                argv.append("--resume")  # started before (this sweep or an earlier one): continue it
        self.attempts[step.key] += 1
        self.state[step.key] = RUNNING
        self.on_change(self, None)
        return task.options(num_cpus=step.cpus, max_retries=0).remote(
            argv, step.cpus, str(log_path(out, step)), env, str(REPO_ROOT))

    def _finish(self, step: Step, outcome: StepOutcome | None, lost: str) -> None:
        log = log_path(self.plan.out, step)
        attempts = self.attempts[step.key]
        ok = outcome is not None and outcome.exit_code == 0
        why = "" if ok else (f"its task was lost ({lost})" if outcome is None else _exit_text(outcome.exit_code))
        if not ok and attempts < ATTEMPTS:
            self.state[step.key] = WAITING
            self.on_change(self, f"{step.key}: failed ({why}); trying once more. Log: {log}")
            return
        record = StepRecord(status=DONE if ok else FAILED, seconds=None if outcome is None else outcome.seconds,
                            attempts=attempts, exit_code=None if outcome is None else outcome.exit_code,
                            host=None if outcome is None else outcome.host, log=str(log),
                            finished=datetime.now().isoformat(timespec="seconds"))
        write_record(self.plan.out, step, record)
        self.records[step.key] = record
        self.state[step.key] = record.status
        if ok:
            self.on_change(self, f"{step.key}: done in {outcome.seconds:.1f} s on {outcome.host}")
        else:
            self.block_after(step)
            self.on_change(self, f"{step.key}: FAILED after {attempts} attempts ({why}). Log: {log}")


def _exit_text(code: int) -> str:
    if code < 0:
        import signal

        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"
