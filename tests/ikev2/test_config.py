"""strongSwan-style proposal strings as IKEv2 proposals, and clear errors for bad ones."""

from __future__ import annotations

import pytest

from vpnteach.ikev2.config import EspProposal, IkeProposal
from vpnteach.wire.ikev2.constants import DhId, EncrId, IntegId, PrfId


def test_cbc_proposal_takes_its_prf_from_the_integrity_algorithm() -> None:
    p = IkeProposal.parse("aes256-sha256-modp2048")
    assert p == IkeProposal(
        EncrId.ENCR_AES_CBC,
        256,
        PrfId.PRF_HMAC_SHA2_256,
        IntegId.AUTH_HMAC_SHA2_256_128,
        DhId.MODP_2048,
    )


def test_gcm_proposal_has_no_integrity_and_an_explicit_prf() -> None:
    p = IkeProposal.parse("aes128gcm16-prfsha384-modp3072")
    assert (p.encr, p.key_bits, p.prf, p.integ, p.dh) == (
        20,
        128,
        PrfId.PRF_HMAC_SHA2_384,
        None,
        15,
    )


def test_esp_proposal_with_a_pfs_group() -> None:
    assert EspProposal.parse("aes256gcm16-modp2048") == EspProposal(20, 256, None, 14)
    assert EspProposal.parse("aes128-sha1") == EspProposal(12, 128, 2, None)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("3des-sha1-modp2048", "unknown encryption algorithm '3des'"),
        ("aes256-sha256", "no Diffie-Hellman group"),
        ("aes256gcm16-modp2048", "no PRF or integrity algorithm"),
    ],
)
def test_bad_ike_proposals_say_what_is_missing(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        IkeProposal.parse(text)


def test_cbc_esp_proposal_needs_integrity() -> None:
    with pytest.raises(ValueError, match="AES-CBC needs an integrity algorithm"):
        EspProposal.parse("aes256")
