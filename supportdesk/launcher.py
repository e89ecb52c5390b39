"""`make demo`: the web server, a Celery worker and beat in the foreground of one command.

Ctrl-C (or SIGTERM) stops all three; if one of them dies, the others are
stopped too, so the demo never runs half-alive.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DEMO_LOGINS = [
    ("alice, bob", "customers (also carol, dmitri, emma, farid)"),
    ("agent01 ... agent20", "frontline agents of Billing"),
    ("tech01 ... tech05", "frontline agents of Technical"),
    ("maria", "manager of Billing (invoices, billing)"),
    ("tomas", "manager of Technical"),
    ("hana", "head of support"),
    ("admin", "administrator (Django admin at /admin/)"),
]


def worker_queues() -> str:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supportdesk.settings")
    from django.conf import settings

    return settings.CELERY_WORKER_QUEUES


def processes(port: str) -> dict[str, list[str]]:
    python = sys.executable
    return {
        "web": [python, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        "worker": [python, "-m", "celery", "-A", "supportdesk", "worker", "--beat", "--loglevel=INFO",
                   "--concurrency=2", "--without-mingle", "--without-gossip", "--queues", worker_queues()],
    }


def broker_scheme() -> str:
    url = os.environ.get("CELERY_BROKER_URL") or "filesystem://"
    scheme = url.split("://", 1)[0]
    return f"{scheme} (embedded, under var/broker/)" if scheme == "filesystem" else scheme


def banner(port: str) -> str:
    lines = [
        "",
        "Supportdesk is running.",
        f"  Web:        http://127.0.0.1:{port}/",
        f"  API docs:   http://127.0.0.1:{port}/api/v1/docs/",
        f"  Worker:     Celery worker with beat, broker {broker_scheme()}",
        "  Demo logins (password demo12345 for each):",
        *[f"    {who:<22} {what}" for who, what in DEMO_LOGINS],
        "  Press Ctrl-C to stop everything.",
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    port = os.environ.get("PORT", "8000")
    running = {name: subprocess.Popen(cmd, cwd=BASE_DIR) for name, cmd in processes(port).items()}
    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    time.sleep(2)  # let the servers print their own start-up lines first
    print(banner(port), flush=True)
    exit_code = 0
    while not stopping:
        for name, process in running.items():
            if process.poll() is not None:
                print(f"{name} exited with code {process.returncode}; stopping the others.", flush=True)
                exit_code = process.returncode or 1
                stopping = True
        time.sleep(0.5)
    for process in running.values():
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 20
    for process in running.values():
        try:
            process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
    print("Supportdesk stopped.", flush=True)
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
