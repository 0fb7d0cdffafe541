"""Schemathesis fuzzes the API from its own OpenAPI document: no 5xx, no schema violation."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from server import Server, create_account, token

CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,"
          "response_headers_conformance,response_schema_conformance")


def test_schemathesis_finds_no_server_error_and_no_schema_violation(tmp_path: Path) -> None:
    data = tmp_path / "data"
    create_account(data, "acme")
    secret = token(data, "acme", "admin")
    # Pin the account in paths to the token's, so the account routes are reached and fuzzed
    # beyond 403; other values are fuzzed in the isolation tests.
    config = tmp_path / "schemathesis.toml"
    config.write_text('[parameters]\n"account_id" = "acme"\n', encoding="utf-8")
    server = Server(data).start()
    try:
        run = subprocess.run(
            [str(Path(sys.executable).with_name("st")), "--config-file", str(config), "run",
             f"{server.url}/schema/openapi.json", "-H", f"Authorization: Bearer {secret}",
             "--checks", CHECKS, "--max-examples", "60", "--seed", "7", "--no-color",
             "--exclude-path", "/api/v1/accounts/{account_id}/stream"],
            capture_output=True, text=True, timeout=600)
    finally:
        server.stop()
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    # Every generated case passed (warnings about how much input the API rejects are fine).
    counts = re.search(r"(\d+) generated, (\d+) passed", run.stdout)
    assert counts and counts.group(1) == counts.group(2), run.stdout[-3000:]
