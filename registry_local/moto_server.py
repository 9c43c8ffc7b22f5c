"""A real `moto_server` process with the AgentCore rules layer installed.

`python -m registry_local.moto_server -H 127.0.0.1 -p PORT` takes moto's own
arguments. `MotoServer` starts one on a free loopback port and stops it;
the integration tests and `registry demo` use it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from types import TracebackType

from registry_local import agentcore_rules

HOST = "127.0.0.1"


def main(argv: list[str] | None = None) -> None:
    agentcore_rules.install()
    from moto.server import main as moto_main

    moto_main(argv)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


class MotoServer:
    """`with MotoServer() as server:` -> server.endpoint_url on 127.0.0.1."""

    def __init__(self, startup_timeout: float = 30.0) -> None:
        self.port = free_port()
        self.endpoint_url = f"http://{HOST}:{self.port}"
        self._startup_timeout = startup_timeout
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> MotoServer:
        env = {**os.environ, "MOTO_PORT": str(self.port)}
        self._process = subprocess.Popen(
            [sys.executable, "-m", "registry_local.moto_server", "-H", HOST, "-p", str(self.port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + self._startup_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"moto_server exited with {self._process.returncode}")
            try:
                with urllib.request.urlopen(f"{self.endpoint_url}/moto-api/", timeout=1):  # noqa: S310 - loopback
                    return self
            except (urllib.error.URLError, OSError):
                time.sleep(0.05)  # waiting for the process to listen, not for timing
        self.stop()
        raise RuntimeError("moto_server did not start in time")

    def reset(self) -> None:
        """Forget every resource (moto's own reset endpoint)."""
        request = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST")  # noqa: S310
        with urllib.request.urlopen(request, timeout=10):  # noqa: S310 - loopback
            pass

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None

    def __enter__(self) -> MotoServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
