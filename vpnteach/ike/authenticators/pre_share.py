"""Authentication with a pre-shared key, IOS ``authentication pre-share`` (RFC 2409 §5.4).

``SKEYID = prf(pre-shared-key, Ni_b | Nr_b)``; the proof of ``HASH_I``/``HASH_R`` is the hash
itself in a HASH payload: only a holder of the key can compute it. In Aggressive Mode every
input of ``HASH_R`` but the key travels in clear, which :meth:`show_offline_guess_material`
records (the attack itself: :mod:`vpnteach.ike.aggressive_attack`).
"""

from __future__ import annotations

import hmac
from ipaddress import IPv4Address

from vpnteach.crypto.prf import HashAlgorithm
from vpnteach.ike import keymat
from vpnteach.ike.authenticators.base import UDP, Authenticator
from vpnteach.ike.context import Context, IkeError
from vpnteach.ike.records_endpoint import PresharedKeyFound
from vpnteach.ike.records_phase1 import AuthMethodChosen, SaAuthenticated
from vpnteach.ike.sa import IsakmpSa, PeerIdentity, Role
from vpnteach.wire.chain import Payload
from vpnteach.wire.constants import NotifyMessageType
from vpnteach.wire.payloads import HashPayload, IdPayload, id_fqdn, id_ipv4_address, id_user_fqdn

RFC_AM = "RFC 2409 §5.4"


class PreShareAuthenticator(Authenticator):
    """Pre-shared key: SKEYID from the key, HASH payloads as proofs."""

    keyword = "pre-share"
    ios_text = "pre-shared key"

    def __init__(self, psk: bytes) -> None:
        self.psk = psk

    @classmethod
    def unusable_reason(cls, ctx: Context, peer: str) -> str | None:
        """Pre-share needs a key for the peer (``crypto isakmp key ... address``)."""
        return None if ctx.config.psk_for(peer) is not None else f"no pre-shared key for {peer}"

    @classmethod
    def create(cls, ctx: Context, peer: str) -> PreShareAuthenticator:
        """The authenticator with the key configured for ``peer``."""
        psk = ctx.config.psk_for(peer)
        if psk is None:
            raise IkeError(f"pre-share negotiated but no key for {peer}", None)
        return cls(psk)

    def skeyid(
        self, ctx: Context, sa: IsakmpSa, h: HashAlgorithm, ni_b: bytes, nr_b: bytes, g_xy: bytes
    ) -> bytes:
        """``SKEYID = prf(pre-shared-key, Ni_b | Nr_b)`` (RFC 2409 §5)."""
        ctx.log(PresharedKeyFound(peer=sa.peer[0]))
        return keymat.skeyid_psk(h, self.psk, ni_b, nr_b, ctx.trace)

    def proof(self, ctx: Context, hash_x: bytes) -> list[Payload]:
        """The hash itself (RFC 2409 §5.4: ``HASH_I``/``HASH_R`` in a HASH payload)."""
        return [HashPayload(hash_x)]

    def verify(
        self,
        ctx: Context,
        sa: IsakmpSa,
        inbound: list[Payload],
        peer: PeerIdentity,
        expected: bytes,
    ) -> None:
        """The peer's HASH must equal ours: else the keys differ (AUTHENTICATION-FAILED)."""
        got = next((p.hash_data for p in inbound if isinstance(p, HashPayload)), b"")
        if not hmac.compare_digest(got, expected):
            raise IkeError(
                "pre-shared key HASH does not match: different keys configured?",
                NotifyMessageType.AUTHENTICATION_FAILED,
            )
        ctx.log(SaAuthenticated(peer=sa.peer[0]))

    def aggressive_id(self, ctx: Context, sa: IsakmpSa) -> IdPayload:
        """IOS ``set aggressive-mode client-endpoint``: the identity an initiator sends this
        peer in AM1 (ID types of RFC 2407 §4.6.2.1); else the address as in Main Mode."""
        identity = ctx.config.aggressive_id_for(sa.peer[0])
        if identity is None or sa.role is not Role.INITIATOR:
            return self.my_id(ctx, sa)
        port = 500 if sa.local_port == 500 else 0
        if identity.kind == "ipv4-address":
            payload, id_type = id_ipv4_address(IPv4Address(identity.value), UDP, port), "IPV4_ADDR"
        elif identity.kind == "fqdn":
            payload, id_type = id_fqdn(identity.value, UDP, port), "FQDN"
        else:
            payload, id_type = id_user_fqdn(identity.value, UDP, port), "USER_FQDN"
        ctx.log(AuthMethodChosen(method="pre-shared key", id_type=f"ID_{id_type}"))
        return payload

    def show_offline_guess_material(self, ctx: Context, sa: IsakmpSa) -> None:
        """The teaching fact: every input of HASH_R but the key is in AM1/AM2 in clear, so a
        captured pair lets anyone test key guesses offline."""
        keying = sa.keying
        if keying is None:
            return
        ctx.trace.derived(
            "AM offline PSK test material",
            "HASH_R = prf(prf(PSK, Ni_b | Nr_b), g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b):"
            " all inputs but PSK are sent in clear in AM1/AM2; see offline_psk_guess()",
            {
                "ni_b": keying.ni_b,
                "nr_b": keying.nr_b,
                "g_xi": keying.g_xi,
                "g_xr": keying.g_xr,
                "sai_b": sa.sai_b,
            },
            rfc=RFC_AM,
            cky_i=sa.cky_i,
            cky_r=sa.cky_r,
        )
