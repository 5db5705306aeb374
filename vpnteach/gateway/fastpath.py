"""The data plane's common case in few Python steps: an SA that is up, a packet that is fine.

A real router (:mod:`vpnteach.router.process`) sends and receives thousands of ESP packets a
second, and in a process that wakes for each one, every function call, ``isinstance`` and
result object is paid for with a cold cache. :meth:`Gateway.outbound` and
:meth:`Gateway.inbound_esp` go through the SPD, the SAD, the ESP module and the gateway's
event glue, each with its own result type; this module does the same work for the one case
that matters for speed, and gives every other case back to them *before changing anything*:

* **inbound** (RFC 4303 §3.4): the SA is found by (SPI, destination, 50) (§3.4.2); it must be
  ACTIVE with no lifetime event due; the length fits the transform; the replay pre-check
  passes (§3.4.3); the ICV is verified in constant time *before* decryption (§3.4.4; AES-GCM:
  one call that releases nothing unless the tag verifies, RFC 4106). A packet failing any of
  these is handed back untouched (``None``), and the general path drops and counts it exactly
  as before. After a good ICV the window is updated and the trailer, next header and proxy
  identities are checked by the ESP module's own :func:`~vpnteach.esp.esp.unpad_verified`
  (a drop there is final: the window has moved, as in the general path);
* **outbound** (RFC 4303 §3.3): IPv4 that is not our own IKE, an SPD decision PROTECT
  (cached per address pair), an outbound SA of that flow alive, with no lifetime event due on
  any SA of the flow and sequence numbers left; :func:`~vpnteach.esp.esp.protect` builds the
  ESP part (SPI to ICV), which the router hands to its socket as it is.

What the general path does after each packet is done here too: SA events (a kilobyte limit
reached) go through the gateway's glue, and DPD hears of authenticated traffic (RFC 3706 §5.4).
With per-packet facts enabled (``esp_trace``, the lab), nothing is fast: every packet takes the
general path, which records them.
"""

from __future__ import annotations

import hmac
import struct
from typing import TYPE_CHECKING

from vpnteach.esp.esp import SEQ_MAX, Decapsulated, protect, unpad_verified
from vpnteach.esp.outer import ESP_PROTOCOL
from vpnteach.esp.replay import ReplayVerdict
from vpnteach.esp.sa import IpsecSa, SaState
from vpnteach.esp.spd import PolicyAction
from vpnteach.gateway.results import Discard

if TYPE_CHECKING:
    from vpnteach.gateway.gateway import Gateway

__all__ = ["FastPath"]

_SPI_SEQ = struct.Struct("!II")
_ACTIVE, _EXPIRED = SaState.ACTIVE, SaState.EXPIRED
_PROTECT = PolicyAction.PROTECT
_FRESH = (ReplayVerdict.NEW, ReplayVerdict.IN_WINDOW)
_UDP = 17
_ESP_HEADER = 8  # SPI | sequence number (RFC 4303 §2)


def _quiet(sa: IpsecSa, now: float) -> bool:
    """``sa.handle_timer(now)`` would raise no event (no seconds limit due)."""
    secs = sa.lifetime.seconds
    if not secs or sa.state is _EXPIRED:
        return True
    age = now - sa.created_at
    return age < secs and (age < sa.soft_seconds or sa.state is not _ACTIVE)


class FastPath:
    """The common case of :meth:`Gateway.outbound` and :meth:`Gateway.inbound_esp` for
    ``gateway`` (see the module docstring); ``None`` means: take the general path."""

    __slots__ = ("_gateway",)

    def __init__(self, gateway: Gateway) -> None:
        self._gateway = gateway

    def settled(self) -> bool:
        """Nothing for the driver to do after the packets so far: no gateway event to read,
        no timer moved (what :meth:`Gateway.next_event` and :meth:`Gateway.get_timer` would
        say), so it need not service the gateway. Packets that took the general path may have
        queued IKE datagrams or ``debug`` lines: after those the driver services anyway."""
        gw = self._gateway
        return not gw._events and not gw._timer_stale

    def inbound_esp(self, esp: bytes, now: float) -> bytes | Discard | None:
        """The inner packet of ``esp`` (SPI to ICV, sent to our address), a :class:`Discard`
        if it failed after its ICV verified, or ``None``: nothing was changed, use
        :meth:`Gateway.inbound_esp`."""
        gw = self._gateway
        if len(esp) < _ESP_HEADER or gw.esp_trace.enabled:
            return None
        spi, seq = _SPI_SEQ.unpack_from(esp)
        sa = gw.sad.inbound.get((spi, gw.crypto.address, ESP_PROTOCOL))
        if sa is None or sa.state is not _ACTIVE or not _quiet(sa, now):
            return None
        start = _ESP_HEADER + sa.iv_size
        icv_size = sa.icv_size
        body = len(esp) - start - icv_size
        gcm, cbc, mac = sa.gcm, sa.cbc, sa.hmac
        if gcm is not None:
            if body < 2:
                return None
        elif cbc is None or mac is None or body < cbc.block_size or body % cbc.block_size:
            return None
        replay = sa.replay  # the pre-check of RFC 4303 §3.4.3
        if replay.check(seq) not in _FRESH:  # zero, too old or a duplicate: the general path
            return None
        if gcm is not None:  # verification and decryption are one call (RFC 4106 §6)
            plaintext = gcm.open(spi, seq, esp[_ESP_HEADER:start], esp[start:])
            if plaintext is None:
                return None
        else:
            assert cbc is not None and mac is not None
            expected = mac.icv(esp[:-icv_size])
            if not hmac.compare_digest(esp[-icv_size:], expected):  # before decrypting
                return None
            plaintext = cbc.decrypt(esp[_ESP_HEADER:start], esp[start:-icv_size])
        replay.accept(seq)  # only after the ICV verified (RFC 4303 §3.4.3)
        result = unpad_verified(sa, plaintext, seq)
        if sa.events:  # a kilobyte limit reached: the SAD and the gateway act on it
            gw.sad.collect(sa)
            gw._pump(now)
        if not isinstance(result, Decapsulated):
            return Discard(f"{result.reason.value}: {result.detail}")
        if gw.dpd is not None:  # authenticated ESP: the peer is alive (RFC 3706 §5.4)
            gw.dpd.received(sa.peer, now)
        return result.inner

    def outbound(self, packet: bytes, now: float) -> tuple[bytes, IpsecSa] | None:
        """``(esp, sa)``: the ESP part of ``packet`` protected by ``sa``, to send to
        ``sa.peer`` (in UDP if ``sa.udp``), or ``None``: nothing was changed, use
        :meth:`Gateway.outbound`."""
        gw = self._gateway
        if len(packet) < 20 or packet[0] >> 4 != 4 or gw.esp_trace.enabled:
            return None
        if packet[9] == _UDP and packet[12:16] == gw._address_bytes:  # maybe our own IKE
            return None
        sad = gw.sad
        decision = sad.spd.decide(packet)
        flow = decision.flow
        if decision.action is not _PROTECT or flow is None:
            return None
        sas = sad.outbound.get(flow.key)
        if not sas:
            return None
        chosen = None
        for sa in sas:
            if not _quiet(sa, now):
                return None
            if sa.state is not _EXPIRED:
                chosen = sa  # the newest alive, as Sad.outbound_sa chooses
        if chosen is None or chosen.seq >= SEQ_MAX:
            return None
        esp = protect(chosen, packet, gw.esp_rng, now)
        if chosen.events:
            sad.collect(chosen)
            gw._pump(now)
        if gw.dpd is not None and gw.dpd.sent(chosen.peer, now):
            gw._timer_stale = True  # an R-U-THERE is due: the driver re-arms its timer
        return esp, chosen
