"""An IKEv2 engine (RFC 7296), sans-IO, beside the IKEv1 one in :mod:`vpnteach.ike`.

Units: :mod:`~vpnteach.ikev2.transforms` (PRF, integrity and encryption registries by IANA
number), :mod:`~vpnteach.ikev2.keymat` (prf+, SKEYSEED, SK_*, KEYMAT as facts),
:mod:`~vpnteach.ikev2.sk` (the SK payload), :mod:`~vpnteach.ikev2.auth` (AUTH payloads per
method), :mod:`~vpnteach.ikev2.transitions` (the exchanges as data) and
:mod:`~vpnteach.ikev2.endpoint` (bytes and time in, bytes and events out).
"""

from __future__ import annotations
