"""Which shipped scenarios a stack's own grants replace: only a well-signed guest call expected
to be refused for its method and path, never a bad signature, date or region."""

from __future__ import annotations

from guestapi.assets import events_dir
from guestapi.checks import load_scenario_dirs
from guestapi.checks.generated import superseded
from guestapi.checks.methods import ApiMethod


def _shipped():
    return load_scenario_dirs([events_dir()])


def test_granting_post_demo_replaces_guest_post_only() -> None:
    methods = [ApiMethod("GET", "/demo"), ApiMethod("POST", "/demo")]
    kept, notes = superseded(_shipped(), methods, dict.fromkeys(methods, True))
    names = {s.name for s in kept}
    assert "guest-post" not in names
    assert {"signature-expired", "tampered-signature", "wrong-region", "guest-get"} <= names
    assert notes == [
        "guest-post: not run: POST /demo is a method of this API that the guest role is "
        "granted; gen-POST-/demo checks it"
    ]


def test_a_served_method_not_granted_or_a_grant_elsewhere_replaces_nothing() -> None:
    post = ApiMethod("POST", "/demo")
    methods = [ApiMethod("GET", "/demo"), post, ApiMethod("GET", "/items")]
    allowed = {methods[0]: True, post: False, methods[2]: True}
    kept, notes = superseded(_shipped(), methods, allowed)
    assert (len(kept), notes) == (len(_shipped()), [])
