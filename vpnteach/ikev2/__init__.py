"""An IKEv2 engine (RFC 7296), sans-IO, beside the IKEv1 one in :mod:`vpnteach.ike`.

Units: :mod:`~vpnteach.ikev2.transforms` (PRF, integrity and encryption registries by IANA
number), :mod:`~vpnteach.ikev2.keymat` (prf+, SKEYSEED, SK_*, KEYMAT as facts),
:mod:`~vpnteach.ikev2.sk` (the SK payload and RFC 7383 fragments), :mod:`~vpnteach.ikev2.auth`
(AUTH per method: PSK, RSA, RFC 7427), one module per exchange
(:mod:`~vpnteach.ikev2.sa_init`, :mod:`~vpnteach.ikev2.ike_auth`,
:mod:`~vpnteach.ikev2.create_child`, :mod:`~vpnteach.ikev2.rekey_ike` (with
:mod:`~vpnteach.ikev2.rekey_collision` and :mod:`~vpnteach.ikev2.ike_rekey_collision`),
:mod:`~vpnteach.ikev2.informational`), :mod:`~vpnteach.ikev2.transitions` (the legal moves as
data, drawn by ``to_dot``), :mod:`~vpnteach.ikev2.rules` (payloads per message) and
:mod:`~vpnteach.ikev2.endpoint` (bytes and time in, bytes and events out).
:mod:`~vpnteach.ikev2.wireshark` writes the ``ikev2_decryption_table``.
"""

from __future__ import annotations

from vpnteach.ikev2.config import (
    CertCredential,
    EspProposal,
    Identity,
    IkeProposal,
    Ikev2Config,
    PeerConfig,
    PskCredential,
    Retransmission,
)
from vpnteach.ikev2.endpoint import Ikev2Endpoint, MoveRecord
from vpnteach.ikev2.events import (
    ChildSaDeleted,
    ChildSaEstablished,
    ChildSaFailed,
    Event,
    IkeSaDeleted,
    IkeSaEstablished,
    IkeSaRekeyCollision,
    IkeSaRekeyed,
    LivenessChecked,
    NegotiationFailed,
    NotifyReceived,
)
from vpnteach.ikev2.transitions import IKEV2, State, to_dot

__all__ = [
    "IKEV2",
    "CertCredential",
    "ChildSaDeleted",
    "ChildSaEstablished",
    "ChildSaFailed",
    "EspProposal",
    "Event",
    "Identity",
    "IkeProposal",
    "IkeSaDeleted",
    "IkeSaEstablished",
    "IkeSaRekeyCollision",
    "IkeSaRekeyed",
    "Ikev2Config",
    "Ikev2Endpoint",
    "LivenessChecked",
    "MoveRecord",
    "NegotiationFailed",
    "NotifyReceived",
    "PeerConfig",
    "PskCredential",
    "Retransmission",
    "State",
    "to_dot",
]
