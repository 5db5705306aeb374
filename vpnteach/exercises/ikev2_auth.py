"""Compute-a-value exercises on IKEv2 authentication: the signed octets and a PSK AUTH value.

RFC 7296 §2.15: each peer's AUTH covers its own IKE_SA_INIT message, the *peer's* nonce and a
MAC of its own identity::

    InitiatorSignedOctets = RealMessage1 | NonceRData | MACedIDForI
    MACedIDForI = prf(SK_pi, RestOfInitIDPayload)
    ResponderSignedOctets = RealMessage2 | NonceIData | MACedIDForR
    MACedIDForR = prf(SK_pr, RestOfRespIDPayload)

and with a pre-shared key::

    AUTH = prf( prf(Shared Secret, "Key Pad for IKEv2"), <SignedOctets>)

The IKE_SA_INIT messages given to the learner are real encodings (:mod:`vpnteach.wire.ikev2`);
expected values come from :func:`vpnteach.ikev2.auth.signed_octets` and the engine's PSK
authenticator (:class:`vpnteach.ikev2.auth.PskAuthenticator`), tested against strongSwan.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vpnteach.crypto.rng import SeededRng, random_int_below
from vpnteach.exercises.base import HexExercise, Mistake
from vpnteach.exercises.ikev2_keys import PRFS, ike_spis
from vpnteach.exercises.keys import pick
from vpnteach.ikev2.auth import KEY_PAD, PskAuthenticator, signed_octets
from vpnteach.ikev2.config import IkeProposal
from vpnteach.ikev2.proposals import ike_sa_payload
from vpnteach.ikev2.transforms import Prf, get_prf
from vpnteach.trace import Trace
from vpnteach.wire.ikev2 import (
    AuthPayload,
    ExchangeType,
    Flags,
    IdPayload,
    IdType,
    Ikev2Header,
    Ikev2Message,
    KePayload,
    NoncePayload,
    encode_message,
    encode_payload_chain,
)

GENERIC_HEADER = 4
"""Bytes of the generic payload header (RFC 7296 §3.2): next payload, flags, length."""

_PROPOSALS = ("aes256-sha256-modp2048", "aes128-sha1-modp2048", "aes256-sha384-modp2048")
_IDS = (
    (IdType.ID_IPV4_ADDR, bytes([10, 1, 1, 1]), bytes([10, 2, 2, 1])),
    (IdType.ID_FQDN, b"Branch1.amit.com", b"Branch2.amit.com"),
)


def _init_messages(rng: SeededRng, proposal: str) -> tuple[bytes, bytes, bytes, bytes]:
    """RealMessage1 and RealMessage2 of an IKE_SA_INIT exchange (RFC 7296 §1.2), encoded, and
    the two nonces they carry."""
    spi_i, spi_r = ike_spis(rng)
    chosen = IkeProposal.parse(proposal)
    sa = ike_sa_payload((chosen,))
    ni, nr = rng.random_bytes(32), rng.random_bytes(32)
    messages = []
    for spi, flags, nonce in (
        (bytes(8), Flags.INITIATOR, ni),
        (spi_r, Flags.RESPONSE, nr),
    ):
        header = Ikev2Header(spi_i, spi, ExchangeType.IKE_SA_INIT, int(flags), 0)
        payloads = (sa, KePayload(chosen.dh, rng.random_bytes(256)), NoncePayload(nonce))
        messages.append(encode_message(Ikev2Message(header, payloads)))
    return messages[0], messages[1], ni, nr


# --------------------------------------------------------------------------- signed octets


@dataclass(frozen=True)
class OctetsParams:
    prf: Prf
    initiator: bool
    message1: bytes
    message2: bytes
    ni_payload: bytes
    nr_payload: bytes
    sk_pi: bytes
    sk_pr: bytes
    id_payload: bytes

    @property
    def who(self) -> str:
        return _who(self.initiator)


class SignedOctets(HexExercise[OctetsParams]):
    """InitiatorSignedOctets or ResponderSignedOctets (RFC 7296 §2.15)."""

    id = "signed_octets"
    title = "IKEv2: the octets an AUTH payload covers"
    kind = "compute"
    answer_name = "the signed octets"
    answer_format = "hex: the whole concatenation (a few hundred bytes)"
    hint_ladder = (
        "The octets are three things one after the other: the sender's own IKE_SA_INIT "
        "message, the peer's nonce, and a MAC of the sender's identity (RFC 7296 §2.15).",
        "InitiatorSignedOctets = RealMessage1 | NonceRData | MACedIDForI; the responder's "
        "are RealMessage2 | NonceIData | MACedIDForR.",
        "NonceRData is the nonce data only: drop the Nonce payload's 4-byte generic header. "
        "RestOfInitIDPayload is the ID payload without its 4-byte generic header (ID Type and "
        "the 3 reserved bytes stay).",
        "MACedIDForI = prf(SK_pi, RestOfInitIDPayload); the responder uses SK_pr and its "
        "IDr. prf is HMAC with the IKE SA's PRF hash.",
    )

    @classmethod
    def _make_params(cls, rng: SeededRng) -> OctetsParams:
        proposal = pick(rng, _PROPOSALS)
        prf = get_prf(IkeProposal.parse(proposal).prf)
        initiator = random_int_below(rng, 2) == 0
        message1, message2, ni, nr = _init_messages(rng, proposal)
        id_type, id_i, id_r = pick(rng, _IDS)
        ident = IdPayload(id_type, id_i if initiator else id_r)
        # an IDi/IDr alone in a chain: its generic header says "no next payload"
        id_bytes = encode_payload_chain((ident,))
        draw = rng.random_bytes
        sk_pi, sk_pr = draw(prf.key_size), draw(prf.key_size)
        ni_p = encode_payload_chain((NoncePayload(ni),))
        nr_p = encode_payload_chain((NoncePayload(nr),))
        return OctetsParams(prf, initiator, message1, message2, ni_p, nr_p, sk_pi, sk_pr, id_bytes)

    def _givens(self, p: OctetsParams) -> list[tuple[str, Any]]:
        ident = "IDi payload" if p.initiator else "IDr payload"
        return [
            ("PRF", p.prf.name),
            ("IKE_SA_INIT request (as sent)", p.message1),
            ("IKE_SA_INIT response (as sent)", p.message2),
            ("Ni payload (as it travels)", p.ni_payload),
            ("Nr payload (as it travels)", p.nr_payload),
            ("SK_pi", p.sk_pi),
            ("SK_pr", p.sk_pr),
            (f"{ident} (as it travels)", p.id_payload),
        ]

    def _question(self, p: OctetsParams) -> str:
        return (
            f"{p.who} is building its AUTH payload in IKE_AUTH ({p.prf.name}). The two "
            "IKE_SA_INIT messages, both Nonce payloads, both SK_p keys and its ID payload are "
            "given as they travel, generic headers included. Which octets does its AUTH "
            "cover?"
        )

    def _parts(self, p: OctetsParams) -> tuple[bytes, bytes, bytes, bytes]:
        """(own message, peer's nonce data, own SK_p, RestOf...IDPayload)."""
        if p.initiator:
            return p.message1, p.nr_payload[4:], p.sk_pi, p.id_payload[4:]
        return p.message2, p.ni_payload[4:], p.sk_pr, p.id_payload[4:]

    def _solve(self, p: OctetsParams) -> bytes:
        message, nonce, sk_p, _ = self._parts(p)
        ident = _decode_id(p.id_payload)
        return signed_octets(
            p.prf, message, nonce, sk_p, ident, initiator=p.initiator, trace=Trace()
        )

    def _variant(
        self,
        p: OctetsParams,
        *,
        message: bytes | None = None,
        nonce: bytes | None = None,
        sk_p: bytes | None = None,
        rest: bytes | None = None,
    ) -> bytes:
        m, n, k, r = self._parts(p)
        m, n = message if message is not None else m, nonce if nonce is not None else n
        k, r = sk_p if sk_p is not None else k, rest if rest is not None else r
        return m + n + p.prf(k, r)

    def _mistakes(self, p: OctetsParams) -> list[Mistake[bytes]]:
        own_msg, peer_nonce, sk_p, rest = self._parts(p)
        mine, peer = ("I", "R") if p.initiator else ("R", "I")
        other_msg = p.message2 if p.initiator else p.message1
        own_nonce = (p.ni_payload if p.initiator else p.nr_payload)[4:]
        nonce_payload = p.nr_payload if p.initiator else p.ni_payload
        other_sk = p.sk_pr if p.initiator else p.sk_pi
        real = "RealMessage1" if p.initiator else "RealMessage2"
        return [
            Mistake(
                "own_nonce",
                self._variant(p, nonce=own_nonce),
                f"That is the sender's own nonce: the octets carry the *peer's* nonce "
                f"(Nonce{peer}Data), which proves the signature is fresh for this exchange.",
            ),
            Mistake(
                "other_message",
                self._variant(p, message=other_msg),
                f"That is the peer's IKE_SA_INIT message: {p.who} signs the message it sent "
                f"itself, {real}.",
            ),
            Mistake(
                "wrong_sk_p",
                self._variant(p, sk_p=other_sk),
                f"MACedIDFor{mine} is keyed with SK_p{mine.lower()}, the sender's own key; "
                f"yours used SK_p{peer.lower()}.",
            ),
            Mistake(
                "nonce_with_header",
                self._variant(p, nonce=nonce_payload),
                f"Nonce{peer}Data is the nonce *data*: drop the Nonce payload's 4-byte generic "
                "header.",
            ),
            Mistake(
                "id_with_header",
                self._variant(p, rest=p.id_payload),
                "RestOf...IDPayload starts after the ID payload's 4-byte generic header: your "
                "MAC covers the header too.",
            ),
            Mistake(
                "id_header_too_long",
                self._variant(p, rest=p.id_payload[8:]),
                "You stripped 8 bytes of the ID payload: the ID Type and its 3 reserved bytes "
                "belong to RestOf...IDPayload; only the 4-byte generic header goes.",
            ),
            Mistake(
                "id_not_maced",
                own_msg + peer_nonce + rest,
                f"The identity enters as MACedIDFor{mine} = prf(SK_p{mine.lower()}, "
                "RestOf...IDPayload), not as the bare ID bytes.",
            ),
            Mistake(
                "mac_missing",
                own_msg + peer_nonce,
                f"The third part is missing: MACedIDFor{mine} binds the identity to the signature.",
            ),
            Mistake(
                "order",
                peer_nonce + own_msg + p.prf(sk_p, rest),
                f"Right parts, wrong order: {real} | Nonce{peer}Data | MACedIDFor{mine}.",
            ),
        ]


def _who(initiator: bool) -> str:
    return "Branch1 (the initiator)" if initiator else "Branch2 (the responder)"


def _decode_id(data: bytes) -> IdPayload:
    """The IdPayload of an encoded lone ID payload."""
    return IdPayload(data[4], data[8:])


# --------------------------------------------------------------------------- PSK AUTH

_SECRETS = ("cisco123", "Branch-PSK-2010", "amit.com-vpn", "s3cr3t-tunnel")


@dataclass(frozen=True)
class PskParams:
    prf: Prf
    secret: str
    initiator: bool
    octets_i: bytes
    octets_r: bytes


class PskAuth(HexExercise[PskParams]):
    """The AUTH value of a pre-shared key (RFC 7296 §2.15, Auth Method 2)."""

    id = "psk_auth"
    title = "IKEv2: the AUTH value with a pre-shared key"
    kind = "compute"
    answer_name = "AUTH"
    answer_format = "hex, as many bytes as the PRF's output"
    hint_ladder = (
        "With a pre-shared key the AUTH data is not a signature but a prf (HMAC) over the "
        "signed octets, keyed with something derived from the secret (RFC 7296 §2.15).",
        'AUTH = prf( prf(Shared Secret, "Key Pad for IKEv2"), <SignedOctets>).',
        'The key pad is the 17 ASCII characters "Key Pad for IKEv2", with no NUL at the end; '
        "the secret is the ASCII text as configured.",
        "Each side's AUTH covers its own signed octets: the initiator's InitiatorSignedOctets, "
        "the responder's ResponderSignedOctets.",
    )

    @classmethod
    def _make_params(cls, rng: SeededRng) -> PskParams:
        prf = get_prf(pick(rng, PRFS))
        secret = pick(rng, _SECRETS)
        initiator = random_int_below(rng, 2) == 0
        m1, m2, ni, nr = _init_messages(rng, "aes256-sha256-modp2048")
        octets_i = m1 + nr + rng.random_bytes(prf.output_size)
        octets_r = m2 + ni + rng.random_bytes(prf.output_size)
        return PskParams(prf, secret, initiator, octets_i, octets_r)

    def _givens(self, p: PskParams) -> list[tuple[str, Any]]:
        return [
            ("PRF", p.prf.name),
            ("pre-shared key", p.secret),
            ("InitiatorSignedOctets", p.octets_i),
            ("ResponderSignedOctets", p.octets_r),
        ]

    def _question(self, p: PskParams) -> str:
        who = _who(p.initiator)
        return (
            f"Both routers' FlexVPN keyrings hold the pre-shared key below ({p.prf.name}). "
            f"What AUTH data does {who} put in its AUTH payload (Auth Method 2, Shared Key "
            "Message Integrity Code)?"
        )

    def _octets(self, p: PskParams, own: bool = True) -> bytes:
        return p.octets_i if p.initiator == own else p.octets_r

    def _solve(self, p: PskParams) -> bytes:
        who = "i" if p.initiator else "r"
        authenticator = PskAuthenticator(p.secret.encode())
        (auth,) = authenticator.build(p.prf, self._octets(p), Trace(), who)
        assert isinstance(auth, AuthPayload)
        return auth.authentication_data

    def _mistakes(self, p: PskParams) -> list[Mistake[bytes]]:
        prf, secret, octets = p.prf, p.secret.encode(), self._octets(p)
        pad = prf(secret, KEY_PAD)
        return [
            Mistake(
                "no_key_pad",
                prf(secret, octets),
                'The secret is not the key itself: first prf(Shared Secret, "Key Pad for '
                'IKEv2"), then that value keys the prf over the signed octets.',
            ),
            Mistake(
                "key_pad_nul",
                prf(prf(secret, KEY_PAD + b"\0"), octets),
                '"Key Pad for IKEv2" is 17 ASCII characters without a terminating NUL byte '
                "(RFC 7296 §2.15).",
            ),
            Mistake(
                "key_pad_swapped",
                prf(prf(KEY_PAD, secret), octets),
                "In the inner prf the secret is the key and the key pad the data: "
                'prf(Shared Secret, "Key Pad for IKEv2").',
            ),
            Mistake(
                "outer_swapped",
                prf(octets, pad),
                "In the outer prf the padded secret is the key and the signed octets the data.",
            ),
            Mistake(
                "other_octets",
                prf(pad, self._octets(p, own=False)),
                "That AUTH covers the other peer's signed octets: each side authenticates its "
                "own (the initiator InitiatorSignedOctets, the responder ResponderSignedOctets).",
            ),
        ]
