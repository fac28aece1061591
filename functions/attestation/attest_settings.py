"""The function's configuration, read once from its environment (set by template.yaml)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

Clock = Callable[[], float]


def _int(environ: Mapping[str, str], name: str, default: int) -> int:
    value = environ.get(name, "").strip()
    return int(value) if value else default


@dataclass(frozen=True)
class Settings:
    table_name: str
    identity_pool_id: str
    developer_provider_name: str
    token_duration_seconds: int = 300
    challenge_ttl_seconds: int = 300
    apple_app_id: str = ""
    apple_production: bool = True
    android_package_name: str = ""
    play_integrity_keys_parameter: str = ""
    debug_token_hashes_parameter: str = ""
    debug_tokens_allowed: bool = False
    # Never set by the template: the offline stack's --attestation-test-root only.
    test_root_pem: bytes | None = field(default=None, repr=False)
    # Seconds since the epoch; tests inject one to expire challenges without sleeping.
    clock: Clock = field(default=time.time, repr=False, compare=False)

    @classmethod
    def from_environ(
        cls, environ: Mapping[str, str] | None = None, *, clock: Clock = time.time
    ) -> Settings:
        env = os.environ if environ is None else environ
        test_root = env.get("ATTESTATION_TEST_ROOT_PEM", "").strip()
        return cls(
            table_name=env["ATTESTATION_TABLE"],
            identity_pool_id=env["IDENTITY_POOL_ID"],
            developer_provider_name=env["DEVELOPER_PROVIDER_NAME"],
            token_duration_seconds=_int(env, "TOKEN_DURATION_SECONDS", 300),
            challenge_ttl_seconds=_int(env, "CHALLENGE_TTL_SECONDS", 300),
            apple_app_id=env.get("APPLE_APP_ID", "").strip(),
            # Fail closed: anything but an explicit "development" is production, which refuses
            # development keys.
            apple_production=env.get("APPLE_ENVIRONMENT", "production") != "development",
            android_package_name=env.get("ANDROID_PACKAGE_NAME", "").strip(),
            play_integrity_keys_parameter=env.get("PLAY_INTEGRITY_KEYS_PARAMETER", "").strip(),
            debug_token_hashes_parameter=env.get("DEBUG_TOKEN_HASHES_PARAMETER", "").strip(),
            # Fail closed likewise: only "allowed" allows debug tokens.
            debug_tokens_allowed=env.get("DEBUG_TOKENS", "refused") == "allowed",
            test_root_pem=test_root.encode() if test_root else None,
            clock=clock,
        )
