from __future__ import annotations

import pytest

from services.config import Settings


@pytest.fixture(autouse=True)
def aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dummy credentials and region: no test can reach a real account."""
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")


def settings_for(env: dict[str, str]) -> Settings:
    return Settings.model_validate(env)


# The AWS operations the handler sends, recorded when REGISTRY_RECORD_AWS_OPERATIONS
# names a file (tox's py312 env); the iac env checks the IAM policy against it.
from tests.iac import recorder  # noqa: E402

recorder.install()
pytest_configure = recorder.pytest_configure
pytest_sessionfinish = recorder.pytest_sessionfinish
