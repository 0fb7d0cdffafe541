"""The application in this process, on the in-memory backend, through Litestar's test client:
for the route tests that need no real process (crash, restart, stream and connection tests
start one, with ``server.Server``)."""

from __future__ import annotations

import itertools
import time
from typing import Any

import httpx
from litestar.testing import TestClient

from wallboard.api import create_app
from wallboard.service import AccountConfig, Admin, Limits

_places = itertools.count()


class Bound:
    """The one test client, with a bearer token of its own on every request."""

    def __init__(self, client: TestClient[Any], headers: dict[str, str]) -> None:
        self._client, self._headers = client, headers

    def __enter__(self) -> Bound:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        headers = {**self._headers, **kwargs.pop("headers", {})}
        response: httpx.Response = self._client.request(method, url, headers=headers, **kwargs)
        return response

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", url, **kwargs)


class InProcess:
    """Accounts and tokens made through ``admin`` (the same memory the app reads)."""

    url = "http://127.0.0.1:8000"

    def __init__(self, limits: Limits | None = None, metrics_token: str | None = None) -> None:
        self.place = f"in-process-{next(_places)}"
        self.admin = Admin(self.place, backend="memory")
        self._limits, self._metrics_token = limits, metrics_token
        self._client: TestClient[Any] | None = None

    def create_account(self, account: str, timezone: str = "Europe/Moscow") -> None:
        self.admin.create_account(AccountConfig(account, timezone))

    def token(self, account: str, role: str) -> str:
        return self.admin.create_token(account, role)[1]  # type: ignore[arg-type]

    def start(self) -> InProcess:
        app = create_app(self.place, self._limits, metrics_token=self._metrics_token,
                         backend="memory")
        self._client = TestClient(app, base_url=self.url)
        self._client.__enter__()
        deadline = time.monotonic() + 30
        while self._client.get("/readyz").status_code != 200:
            assert time.monotonic() < deadline, "not ready in 30 s"
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._client is not None:
            self._client.__exit__(None, None, None)
            self._client = None

    def client(self, secret: str | None = None, **_: Any) -> Bound:
        assert self._client is not None
        return Bound(self._client, {"Authorization": f"Bearer {secret}"} if secret else {})
