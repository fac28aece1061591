"""The three routes' logic, with its collaborators passed in (tests replace them; app.py wires
the real ones): the table, Cognito, the parameter reader and the pyattest configurations.

Every route runs its checks cheapest first, so that what a request costs is bounded by how far
it gets (docs/attestation.md, "What a caller can cost"):
1. the body's schema (every member bounded), base64, the evidence's shape (attest_shapes) and
   the secret rule (attest_secrets): CPU only, no AWS call, no verifier imported;
2. the configuration (an SSM read, cached) and the challenge, consumed by one conditional
   DynamoDB update: spent before verification, so a caller cannot probe the verifier with one;
3. the verifier (pyattest, imported at its first use), then the key store and Cognito.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import attest_schemas as schemas
import attest_shapes as shapes
from attest_challenges import Challenges
from attest_debug import developer_user_id, registered_hashes
from attest_errors import Refusal
from attest_keys import KeyStore
from attest_secrets import android_user_id, require_strong
from attest_settings import Settings
from aws_lambda_powertools.utilities.parameters import GetParameterError, get_parameter
from botocore.exceptions import BotoCoreError, ClientError

if TYPE_CHECKING:
    from pyattest.configs.google_play_integrity_api import GooglePlayIntegrityApiConfig

ParameterReader = Callable[[str, bool], str]
# Parameters change rarely (key rotation, a new debug token); a minute of caching spares an SSM
# call per request and still picks a change up quickly.
PARAMETER_MAX_AGE_S = 60


def read_parameter(name: str, decrypt: bool) -> str:
    return str(get_parameter(name, decrypt=decrypt, max_age=PARAMETER_MAX_AGE_S))


def _apple_user_id(key_id: bytes) -> str:
    return "apple." + base64.urlsafe_b64encode(key_id).rstrip(b"=").decode()


class AttestationService:
    def __init__(
        self,
        settings: Settings,
        *,
        table: Any,
        cognito: Any,
        keys: KeyStore | None = None,
        read_parameter: ParameterReader = read_parameter,
    ) -> None:
        self.settings = settings
        self.challenges = Challenges(table, settings.challenge_ttl_seconds, settings.clock)
        self.keys = keys or KeyStore(table, settings.clock)
        self.cognito = cognito
        self.read_parameter = read_parameter

    # ----- routes --------------------------------------------------------------------------
    def challenge(self, body: Any) -> dict[str, Any]:
        schemas.check({} if body is None else body, schemas.CHALLENGE_REQUEST)
        return self.challenges.issue()

    def attest(self, body: Any) -> dict[str, Any]:
        body = schemas.check(body, schemas.ATTEST)
        kind = body["kind"]
        verify = {"apple": self._apple, "android": self._android, "debug": self._debug}[kind]
        return self._login(verify(body), kind)

    def refresh(self, body: Any) -> dict[str, Any]:
        body = schemas.check(body, schemas.REFRESH)
        key_id = schemas.key_id(body["keyId"])
        assertion = schemas.evidence_bytes(body["assertion"])
        shapes.check_assertion(assertion)
        app_id = self._apple_app_id()
        self.challenges.consume(body["challenge"])
        key = self.keys.load(key_id)
        from attest_apple import PinnedAppleConfig, verify_assertion

        counter = verify_assertion(
            assertion,
            body["challenge"],
            key.public_key,
            app_id=app_id,
            production=self.settings.apple_production,
            config_class=PinnedAppleConfig,
        )
        self.keys.advance_counter(key_id, counter)
        return self._login(_apple_user_id(key_id), "apple")

    # ----- evidence kinds: each returns the developer user id --------------------------------
    def _apple(self, body: dict[str, Any]) -> str:
        body = schemas.check(body, schemas.ATTEST_APPLE)
        key_id = schemas.key_id(body["keyId"])
        attestation = schemas.evidence_bytes(body["attestation"])
        shape = shapes.check_attestation(attestation)
        app_id = self._apple_app_id()
        self.challenges.consume(body["challenge"])
        from attest_apple import PinnedAppleConfig, verify_attestation

        public_key_pem = verify_attestation(
            attestation,
            body["challenge"],
            key_id,
            app_id=app_id,
            production=self.settings.apple_production,
            root_pem=self.settings.test_root_pem,
            config_class=PinnedAppleConfig,
        )
        self.keys.store(key_id, public_key_pem, app_id, shape.receipt)
        return _apple_user_id(key_id)

    def _android(self, body: dict[str, Any]) -> str:
        body = schemas.check(body, schemas.ATTEST_ANDROID)
        secret, token = body["installSecret"], body["integrityToken"]
        require_strong(secret, "installSecret")
        shapes.check_integrity_token(token)
        config = self._play_integrity_config()
        self.challenges.consume(body["challenge"])
        from attest_android import verify_integrity_token

        verify_integrity_token(
            token,
            body["challenge"],
            secret,
            config,
            now=self.settings.clock(),
            lifetime_s=self.settings.challenge_ttl_seconds,
        )
        return android_user_id(secret)

    def _debug(self, body: dict[str, Any]) -> str:
        body = schemas.check(body, schemas.ATTEST_DEBUG)
        # Before any lookup: in an environment that refuses them, a debug token is never compared.
        if not self.settings.debug_tokens_allowed:
            raise Refusal("debug_token_not_allowed")
        require_strong(body["debugToken"], "debugToken")
        self.challenges.consume(body["challenge"])
        registered: list[str] = []
        if self.settings.debug_token_hashes_parameter:
            registered = registered_hashes(
                self._parameter(self.settings.debug_token_hashes_parameter, False)
            )
        return developer_user_id(body["debugToken"], registered)

    # ----- configuration and Cognito -----------------------------------------------------------
    def _apple_app_id(self) -> str:
        if not self.settings.apple_app_id:
            raise Refusal("provider_not_configured", "APPLE_APP_ID")
        return self.settings.apple_app_id

    def _play_integrity_config(self) -> GooglePlayIntegrityApiConfig:
        settings = self.settings
        if not settings.android_package_name or not settings.play_integrity_keys_parameter:
            raise Refusal("provider_not_configured", "ANDROID_PACKAGE_NAME")
        value = self._parameter(settings.play_integrity_keys_parameter, True)
        from attest_android import PlayIntegrityConfig, make_config, parse_keys

        try:
            keys = parse_keys(value)
            return make_config(keys, settings.android_package_name, PlayIntegrityConfig)
        except (ValueError, binascii.Error) as exc:  # JSON, base64 or DER: keys not usable
            raise Refusal("provider_not_configured", type(exc).__name__) from None

    def _parameter(self, name: str, decrypt: bool) -> str:
        try:
            return self.read_parameter(name, decrypt)
        except GetParameterError as exc:
            # Missing (the operator has not put the keys yet) or unreadable: either way this
            # stack cannot verify that kind. The log names the failure, never the value.
            cause = exc.__context__  # powertools re-raises without `from`
            detail = cause.response["Error"]["Code"] if isinstance(cause, ClientError) else "read"
            raise Refusal("provider_not_configured", f"ssm {detail}") from None

    def _login(self, user_id: str, kind: str) -> dict[str, Any]:
        settings = self.settings
        try:
            answer = self.cognito.get_open_id_token_for_developer_identity(
                IdentityPoolId=settings.identity_pool_id,
                Logins={settings.developer_provider_name: user_id},
                TokenDuration=settings.token_duration_seconds,
            )
        except ClientError as exc:
            raise Refusal("identity_service_unavailable", exc.response["Error"]["Code"]) from None
        except BotoCoreError as exc:
            raise Refusal("identity_service_unavailable", type(exc).__name__) from None
        return {
            "IdentityId": answer["IdentityId"],
            "Token": answer["Token"],
            "TokenDuration": settings.token_duration_seconds,
            "Kind": kind,
        }
