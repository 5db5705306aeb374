"""The seed lab's variants: modern profile, PFS, pre-shared keys — each one argument away."""

from __future__ import annotations

import pytest

from tests.lab.conftest import pinged
from vpnteach.ike.events import Phase1Complete, Phase2Complete
from vpnteach.lab import Lab
from vpnteach.labs.seed import SeedLabError


def _events(lab: Lab, kind: type) -> list[object]:
    return [e for e in lab.branch1.events if isinstance(e, kind)]


@pytest.mark.parametrize(
    ("options", "transform", "suite"),
    [
        ({"profile": "modern"}, "esp-256-aes esp-sha256-hmac", ("aes", 256, 14)),
        ({"pfs": 2}, "esp-3des esp-md5-hmac", ("3des", None, 1)),
        ({"auth": "pre-share"}, "esp-3des esp-md5-hmac", ("3des", None, 1)),
        ({"profile": "modern", "pfs": 14, "auth": "pre-share"}, "esp-256-aes", ("aes", 256, 14)),
    ],
    ids=["modern", "pfs-group2", "pre-share", "modern-pfs14-pre-share"],
)
def test_variant_negotiates_and_carries_the_ping(
    options: dict[str, object], transform: str, suite: tuple[str, int | None, int]
) -> None:
    run = pinged(**options)
    assert run.ping_output.splitlines()[-2] == ".!!!!"
    show = run.lab.branch1.exec("show crypto ipsec sa")
    assert f"transform: {transform}" in show and "#pkts encaps: 4," in show
    p1 = _events(run.lab, Phase1Complete)
    assert len(p1) == 1 and len(_events(run.lab, Phase2Complete)) == 1
    policy = run.lab.branch1.config.isakmp_policies[10]
    assert (policy.encryption, policy.key_length, policy.group) == suite
    auth = "pre-share" if options.get("auth") == "pre-share" else "rsa-sig"
    assert policy.authentication == auth


def test_pfs_runs_a_second_diffie_hellman_in_quick_mode() -> None:
    run = pinged(pfs=2)
    assert "PFS (Y/N): Y" in run.lab.branch1.exec("show crypto map")
    quick_mode = run.ping_output.split("IKE_P1_COMPLETE")[-1]
    assert "ISAKMP: group is 2" in quick_mode
    (done,) = _events(run.lab, Phase2Complete)
    assert isinstance(done, Phase2Complete) and done.suite.pfs_group == 2


def test_pre_share_sends_no_certificate() -> None:
    run = pinged(auth="pre-share")
    assert "constructing CERT payload" not in run.ping_output
    assert "found peer pre-shared key matching 10.2.2.1" in run.ping_output


def test_modern_profile_uses_2048_bit_router_keys() -> None:
    lab = Lab.seed(profile="modern")
    assert lab.branch1.pki.keys["BRANCH_KEY"].modulus == 2048


def test_unknown_profile_is_refused_with_the_choices() -> None:
    with pytest.raises(SeedLabError, match="modern"):
        Lab.seed(profile="quantum")


def test_modern_gcm_negotiates_esp_aes_gcm_16_with_salted_keymat_and_no_hmac() -> None:
    """RFC 4106 §8.1 in Quick Mode: transform ESP_AES_GCM_16 (20) with a Key Length of 256 and
    no Authentication Algorithm; each SA's KEYMAT is the 32-byte key plus a 4-byte salt."""
    run = pinged(profile="modern-gcm")
    assert run.ping_output.splitlines()[-2] == ".!!!!"
    show = run.lab.branch1.exec("show crypto ipsec sa")
    assert "transform: esp-gcm 256 ," in show and "IV size: 8 bytes" in show
    (done,) = _events(run.lab, Phase2Complete)
    assert isinstance(done, Phase2Complete)
    assert (done.suite.transform_id, done.suite.key_length, done.suite.auth_algorithm) == (
        20,
        256,
        0,
    )
    for spec in (done.inbound, done.outbound):
        assert len(spec.enc_key) == 36 and spec.auth_key == b""
    quick_mode = run.ping_output.split("IKE_P1_COMPLETE")[-1]
    assert "transform 1, ESP_AES_GCM_16" in quick_mode and "key length is 256" in quick_mode
    assert "authenticator is" not in quick_mode
