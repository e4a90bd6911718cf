"""Started from a folder that holds no ``.streamlit/config.toml`` (``/tmp``) with the
Makefile's command, the dashboard listens on 127.0.0.1 only.

The command is read from the Makefile's ``dashboard`` recipe, so the test follows it. The
listening sockets are read from ``/proc/net/tcp`` and ``/proc/net/tcp6`` (Linux).
Run: ``python -m pytest tests/e2e/test_private_server.py -m e2e``.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.harness import ROOT, free_port, stop, wait_healthy

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

LISTEN = "0A"  # the TCP state column of a listening socket in /proc/net/tcp


def makefile_command() -> list[str]:
    """The ``make dashboard`` recipe as an argument list (``$(DASHBOARD_FLAGS)`` expanded)."""
    text = (ROOT / "Makefile").read_text()
    flags = re.search(r"^DASHBOARD_FLAGS\s*:?=\s*(.+)$", text, re.MULTILINE)
    recipe = re.search(r"^dashboard:.*\n\t(.+)$", text, re.MULTILINE)
    assert recipe, "the Makefile has no dashboard recipe"
    line = recipe.group(1).replace("$(DASHBOARD_FLAGS)", flags.group(1) if flags else "")
    return shlex.split(line)


def listening_addresses(port: int) -> list[str]:
    """Local addresses (hex, as the kernel writes them) of the sockets listening on ``port``."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        path = Path(table)
        if not path.exists():
            continue
        for row in path.read_text().splitlines()[1:]:
            fields = row.split()
            address, port_hex = fields[1].rsplit(":", 1)
            if int(port_hex, 16) == port and fields[3] == LISTEN:
                found.append(address)
    return found


def test_the_makefile_command_passes_the_private_settings():
    command = makefile_command()
    for flag, value in (("--server.address", "127.0.0.1"), ("--server.headless", "true"),
                        ("--browser.gatherUsageStats", "false")):
        assert command[command.index(flag) + 1] == value, command
    assert command[command.index("--") + 1:] == ["--runs-dir", "runs"]


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads /proc/net/tcp (Linux)")
def test_started_from_tmp_it_listens_on_localhost_only(tmp_path):
    command = makefile_command()
    assert command[0].endswith("streamlit") and command[2] == "dashboard/app.py"
    port = free_port()
    argv = [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard" / "app.py"), *command[3:]]
    argv[argv.index("--"):argv.index("--")] = ["--server.port", str(port), "--server.fileWatcherType", "none"]
    assert not (tmp_path / ".streamlit").exists()
    process = subprocess.Popen(argv, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        wait_healthy(port, process)
        addresses = listening_addresses(port)
    finally:
        stop(process)
    assert addresses, "nothing listens on the port"
    assert set(addresses) == {"0100007F"}, addresses  # 127.0.0.1, and no IPv6 or wildcard socket
