"""`registry local serve`: the Lambda Invoke API over the real handler.

`POST /2015-03-31/functions/{name}/invocations` runs lambda/app.py's
handler in this process with the environment it was started with (a local
stack from `registry local bootstrap`), as `sam local start-lambda` does, so
boto3's `lambda.invoke` and the registry client run unchanged against it
with `--endpoint-url http://127.0.0.1:PORT`. Lambda's rules kept here
(API_Invoke.html, https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html):
a request payload over 6 MB is refused with `413 RequestTooLargeException`
before the function runs; a function that raises is answered 200 with
`X-Amz-Function-Error: Unhandled` and `{"errorMessage", "errorType"}`; only
`RequestResponse` is served. One invocation at a time, as one Lambda
execution environment takes one event at a time. It listens on 127.0.0.1
only.
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from registry_local.client import MAX_PAYLOAD_BYTES
from registry_local.invoke import invoke

# Lambda's payload quota, in bytes, as its RequestTooLargeException names it.
MAX_REQUEST_BYTES = MAX_PAYLOAD_BYTES
_PATH = re.compile(r"^/2015-03-31/functions/([^/]+)/invocations$")


class _Handler(BaseHTTPRequestHandler):
    server: LambdaInvokeServer

    def log_message(self, format: str, *args: Any) -> None:
        return None  # the function's own JSON log lines say what happened

    def _answer(self, status: int, body: dict[str, Any], headers: dict[str, str]) -> None:
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(raw)

    def _lambda_error(self, status: int, kind: str, message: str) -> None:
        self._answer(status, {"Type": "User", "message": message}, {"x-amzn-ErrorType": kind})

    def do_POST(self) -> None:
        match = _PATH.match(self.path.split("?", 1)[0])
        if match is None or match.group(1) != self.server.function_name:
            self._lambda_error(404, "ResourceNotFoundException", f"Function not found: {self.path}")
            return
        invocation = self.headers.get("X-Amz-Invocation-Type", "RequestResponse")
        if invocation != "RequestResponse":
            self._lambda_error(
                400, "InvalidParameterValueException", "only RequestResponse is served"
            )
            return
        size = int(self.headers.get("Content-Length") or 0)
        if size > MAX_REQUEST_BYTES:
            self._lambda_error(
                413,
                "RequestTooLargeException",
                f"Request must be smaller than {MAX_REQUEST_BYTES} bytes for the "
                "InvokeFunction operation",
            )
            return
        payload = self.rfile.read(size)
        try:
            event = json.loads(payload or b"{}")
        except ValueError:
            self._lambda_error(
                400, "InvalidRequestContentException", "Could not parse request body into json"
            )
            return
        with self.server.one_at_a_time:
            try:
                response = invoke(event)
            except Exception as exc:  # Lambda reports any exception so
                self._answer(
                    200,
                    {"errorMessage": str(exc), "errorType": type(exc).__name__},
                    {"X-Amz-Function-Error": "Unhandled"},
                )
                return
        self._answer(200, response, {"X-Amz-Executed-Version": "$LATEST"})


class LambdaInvokeServer(ThreadingHTTPServer):
    """The Invoke API of one function on 127.0.0.1 (`port` 0: any free port)."""

    daemon_threads = True

    def __init__(self, function_name: str, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.function_name = function_name
        self.one_at_a_time = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> LambdaInvokeServer:
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self.shutdown()
        self.server_close()
