"""Connection settings and error mapping (pure parts; the real-server cases are in tests/labelstudio)."""

from __future__ import annotations

import httpx
import pytest
from label_studio_sdk.core.api_error import ApiError

from cartel_fto_corpus.labelstudio.client import Client, LabelStudioError, Settings, describe, is_transient

KEY = "0123456789abcdef0123456789abcdef01234567"


def test_settings_from_env_and_flags(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LABEL_STUDIO_URL", "http://env:8080/")
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", KEY)
    s = Settings.resolve(None, None)
    assert (s.url, s.api_key) == ("http://env:8080", KEY)
    assert Settings.resolve("http://flag", "other").url == "http://flag"
    assert KEY not in repr(s)
    monkeypatch.delenv("LABEL_STUDIO_API_KEY")
    with pytest.raises(LabelStudioError, match="API key"):
        Settings.resolve(None, None)


def test_errors_are_one_line_without_the_key() -> None:
    s = Settings("http://h", KEY)
    body = {"detail": f"bad token {KEY}\nsecond line"}
    for exc in (
        ApiError(status_code=401, headers={"authorization": f"Token {KEY}"}, body=body),
        ApiError(status_code=500, headers={}, body=body),
        httpx.ConnectError(f"refused {KEY}"),
        httpx.ReadTimeout("slow"),
    ):
        msg = describe(exc, s, "export")
        assert "\n" not in msg and KEY not in msg and msg.startswith("export: ")


@pytest.mark.parametrize(
    ("exc", "idempotent", "expected"),
    [
        (httpx.ConnectError("x"), False, True),
        (httpx.ReadTimeout("x"), True, True),
        (httpx.ReadTimeout("x"), False, False),
        (ApiError(status_code=503, headers={}, body=None), False, True),
        (ApiError(status_code=502, headers={}, body=None), True, True),
        (ApiError(status_code=502, headers={}, body=None), False, False),
        (ApiError(status_code=401, headers={}, body=None), True, False),
        (ApiError(status_code=400, headers={}, body=None), True, False),
    ],
)
def test_only_transient_errors_are_retried(exc: Exception, idempotent: bool, expected: bool) -> None:
    assert is_transient(exc, idempotent) is expected


def test_retry_backs_off_then_gives_up() -> None:
    sleeps: list[float] = []
    client = Client(Settings("http://127.0.0.1:9", KEY, retries=3, backoff=0.1), sleep=sleeps.append)
    calls = []

    def flaky() -> str:
        calls.append(1)
        raise httpx.ConnectError("refused")

    with pytest.raises(LabelStudioError, match="cannot connect"):
        client.call("probe", flaky)
    assert len(calls) == 4 and len(sleeps) == 3
    assert sleeps[0] < sleeps[1] < sleeps[2]  # exponential (jitter is within +-25 %)

    calls.clear()

    def unauthorized() -> str:
        calls.append(1)
        raise ApiError(status_code=401, headers={}, body=None)

    with pytest.raises(LabelStudioError, match="rejected the API key"):
        client.call("probe", unauthorized)
    assert len(calls) == 1
