"""Several Streamlit processes behind nginx, for crowds: `python -m pbsa_analytics.cluster --workers N`.

Why: one Streamlit process runs every session's script on one core. N processes share the one store,
imports folder and pulse answers through the file system (all writes are atomic renames, so nothing is
lost or counted twice), and nginx pins each browser to one process (a cookie, since Streamlit keeps a
session's state in the process holding its websocket) while spreading new browsers across them.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from pbsa_analytics import settings
from pbsa_analytics.errors import PbsaError

STICKY_COOKIE = "pbsa_worker"
NGINX_CONF = """
worker_processes 1;
pid {run}/nginx.pid;
error_log {run}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {run}/body;
    proxy_temp_path {run}/proxy;
    fastcgi_temp_path {run}/fastcgi;
    uwsgi_temp_path {run}/uwsgi;
    scgi_temp_path {run}/scgi;
    client_max_body_size {max_body_mb}m;
    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    # A new browser gets a random key; its cookie then sends every request, websocket included, to one process.
    map $cookie_{cookie} $sticky {{ "" $request_id; default $cookie_{cookie}; }}
    upstream streamlit {{
        hash $sticky consistent;
{servers}
    }}
    server {{
        listen {address}:{port};
        location / {{
            proxy_pass http://streamlit;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $host;
            proxy_read_timeout 1d;
            proxy_buffering off;
            add_header Set-Cookie "{cookie}=$sticky; Path=/; HttpOnly; SameSite=Lax" always;
            add_header X-PBSA-Worker $upstream_addr always;
        }}
    }}
}}
"""


class ClusterError(PbsaError):
    """The cluster could not start: nginx missing, a port taken, or a process that never became healthy."""


@dataclass
class Cluster:
    """The running processes; stop() ends them, nginx first so no request reaches a stopping worker."""

    url: str
    worker_ports: list[int]
    processes: list[subprocess.Popen]

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def nginx_config(*, run_dir: Path, address: str, port: int, worker_ports: list[int]) -> str:
    """The proxy's whole configuration: loopback upstreams, websockets, sticky cookie, upload limit."""
    servers = "\n".join(f"        server 127.0.0.1:{worker_port};" for worker_port in worker_ports)
    max_body_mb = int(settings.get("PBSA_MAX_UPLOAD_MB")) + 1
    return NGINX_CONF.format(
        run=run_dir, address=address, port=port, servers=servers, cookie=STICKY_COOKIE, max_body_mb=max_body_mb
    )


def _wait_healthy(url: str, *, timeout: float, processes: list[subprocess.Popen]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(process.poll() is not None for process in processes):
            raise ClusterError(f"a process exited before {url} was healthy")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310  (loopback URL we built)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise ClusterError(f"{url} not healthy after {timeout:.0f} s")


def start(
    *, workers: int, port: int, run_dir: Path, address: str = "127.0.0.1", timeout: float = 90, env: dict | None = None
) -> Cluster:
    """Start `workers` Streamlit processes on free loopback ports and nginx on address:port in front of them.

    env adds to this process's environment for the workers (e.g. PBSA_DB_PATH); all workers share it.
    """
    nginx = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)
    if nginx is None:
        raise ClusterError("nginx is not installed: apt-get install nginx-light")
    run_dir.mkdir(parents=True, exist_ok=True)
    worker_ports = [free_port() for _ in range(workers)]
    # One cookie secret for all, so a request reaching another process (e.g. after a restart) is still trusted.
    env = {**os.environ, **(env or {}), "STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_hex(32)}
    processes: list[subprocess.Popen] = []
    cluster = Cluster(url=f"http://{address}:{port}", worker_ports=worker_ports, processes=processes)
    try:
        for worker_port in worker_ports:
            processes.append(
                subprocess.Popen(  # noqa: S603  (fixed argv, no shell)
                    [sys.executable, "-m", "streamlit", "run", str(settings.REPO_ROOT / "app.py"),
                     "--server.address", "127.0.0.1", "--server.port", str(worker_port), "--server.headless", "true",
                     "--browser.gatherUsageStats", "false"],
                    env=env, cwd=settings.REPO_ROOT, stdout=(run_dir / f"worker-{worker_port}.log").open("w"),
                    stderr=subprocess.STDOUT,
                )
            )  # fmt: skip
        for worker_port in worker_ports:
            _wait_healthy(f"http://127.0.0.1:{worker_port}/_stcore/health", timeout=timeout, processes=processes)
        conf = run_dir / "nginx.conf"
        conf.write_text(nginx_config(run_dir=run_dir, address=address, port=port, worker_ports=worker_ports))
        processes.insert(
            0,
            subprocess.Popen(  # noqa: S603
                [nginx, "-p", str(run_dir), "-e", str(run_dir / "error.log"), "-c", str(conf), "-g", "daemon off;"],
                cwd=run_dir, stdout=(run_dir / "nginx.log").open("w"), stderr=subprocess.STDOUT,
            ),
        )  # fmt: skip
        _wait_healthy(f"{cluster.url}/_stcore/health", timeout=timeout, processes=processes)
    except BaseException:
        cluster.stop()
        raise
    return cluster


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=max(2, os.cpu_count() or 2), help="Streamlit processes")
    parser.add_argument("--port", type=int, default=8501, help="port nginx listens on")
    parser.add_argument("--address", default="127.0.0.1", help="address nginx listens on")
    parser.add_argument("--run-dir", type=Path, default=settings.REPO_ROOT / "build" / "cluster")
    args = parser.parse_args(argv)
    if not 1 <= args.workers <= 64:
        parser.error("--workers must be between 1 and 64")
    cluster = start(workers=args.workers, port=args.port, run_dir=args.run_dir.resolve(), address=args.address)
    sys.stdout.write(f"{args.workers} Streamlit processes behind nginx at {cluster.url} (Ctrl+C stops them all)\n")
    sys.stdout.flush()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        while all(process.poll() is None for process in cluster.processes):
            time.sleep(1)
        sys.stderr.write("a process exited; stopping the cluster\n")
    except KeyboardInterrupt:
        pass
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
