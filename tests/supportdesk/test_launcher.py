"""`make demo`'s launcher serves the pages, runs a worker with beat, and stops everything on Ctrl-C."""

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.worker import free_port

BASE_DIR = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.worker




def get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return answer.status
    except OSError:
        return 0


def test_the_demo_serves_login_and_schema_then_stops_on_ctrl_c(tmp_path):
    port = free_port()
    env = {**os.environ, "SUPPORTDESK_VAR_DIR": str(tmp_path), "PORT": str(port), "DATABASE_URL": "", "CELERY_BROKER_URL": ""}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=BASE_DIR, env=env, check=True, timeout=300)
    log = tmp_path / "launcher.log"
    with open(log, "wb") as output:
        launcher = subprocess.Popen(
            [sys.executable, "-m", "supportdesk.launcher"], cwd=BASE_DIR, env=env, stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and get(f"http://127.0.0.1:{port}/login/") != 200:
            time.sleep(0.2)
        assert get(f"http://127.0.0.1:{port}/login/") == 200, log.read_text()
        assert get(f"http://127.0.0.1:{port}/api/v1/schema/") == 200
        while time.monotonic() < deadline and "Demo logins" not in log.read_text():
            time.sleep(0.2)
        assert f"http://127.0.0.1:{port}/" in log.read_text()
        while time.monotonic() < deadline and "beat: Starting" not in log.read_text():
            time.sleep(0.2)
        assert "beat: Starting" in log.read_text(), log.read_text()[-3000:]

        launcher.send_signal(signal.SIGINT)
        assert launcher.wait(60) == 0
    finally:
        if launcher.poll() is None:
            os.killpg(launcher.pid, signal.SIGKILL)
    assert "Supportdesk stopped." in log.read_text()
    assert get(f"http://127.0.0.1:{port}/login/") == 0
    while time.monotonic() < deadline + 30 and living_in_session(launcher.pid):
        time.sleep(0.2)
    assert living_in_session(launcher.pid) == []


def living_in_session(session_id: int) -> list[str]:
    """Processes of the launcher's session that are still alive (zombies have already exited)."""
    listing = subprocess.run(["ps", "-e", "-o", "sid=,stat=,pid=,args="], capture_output=True, text=True).stdout
    return [
        line for line in listing.splitlines()
        if line.split()[0] == str(session_id) and not line.split()[1].startswith("Z")
    ]
