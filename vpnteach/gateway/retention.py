"""What a gateway keeps for later reading, by policy: everything in the lab, a bounded ring in
a router process.

The lab, the stepper and the Wireshark export read every ``debug`` record, fact and key of a
run, so a lab gateway keeps them all (``retain=None``). A router process faces a network: an
unauthenticated datagram must not grow its memory for good (each dropped one makes a
``debug`` record), and deleted SAs' keys must not stay in it for the life of the process. With
``retain=N`` (:class:`~vpnteach.gateway.gateway.Gateway`):

* the IKE ``debug`` records and the ``debug crypto ipsec`` lines are rings of about ``N``
  entries (:class:`~vpnteach.trace.Ring`; the process prints those it is asked to as they
  come, and forgets the rest);
* no facts are recorded (a fact trace would hold ``g^xy``, SKEYID and every KEYMAT);
* the Wireshark key tables are made from live SAs only: :func:`prune_keys` forgets the ISAKMP
  keys (``CKY-I``, Ka) of deleted ISAKMP SAs and the ESP SAs the SAD removed, and the IKE
  engine drops a deleted SA's keying (:func:`vpnteach.ike.secrets.forget_secrets`). Unless
  the operator asked for the keys on disk (``vpnteach router run --keys DIR``, to decrypt a
  capture afterwards): then ``Gateway.keep_keys`` keeps every SA's (one entry per
  negotiation, not per datagram), as the tables in that directory do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vpnteach.trace import Ring, Trace

if TYPE_CHECKING:
    from vpnteach.gateway.gateway import Gateway, IpsecLogLine
    from vpnteach.ike.sa import IsakmpSa

DAEMON_RETAIN = 2000
"""The router process's ring: about this many ``debug`` records (a few Main Modes' worth)."""


def trace_for(name: str, trace: Trace | None, retain: int | None) -> Trace:
    """The fact trace of a gateway: the caller's, else a new one (the lab) or a disabled one
    (a bounded gateway records no facts: they hold key material)."""
    if trace is not None:
        return trace
    return Trace(name, enabled=retain is None)


def ipsec_log(retain: int | None) -> Ring[IpsecLogLine]:
    """The ``debug crypto ipsec`` lines: a plain list in the lab, a ring otherwise."""
    return Ring(retain)


def prune_keys(gateway: Gateway) -> None:
    """Forget the keys of SAs that are gone (bounded gateways only: the lab exports them all).

    Called after any IKE input, so it costs a look-up per *kept key*, not a scan of every SA
    (a thousand half-open SAs must not make each datagram a thousand steps)."""
    sas = gateway.ike.sas
    if any((sa := sas.get(cky)) is None or sa.dead for cky, _ in gateway.ike_keys):
        gateway.ike_keys = [(c, ka) for c, ka in gateway.ike_keys if _live(sas.get(c))]
    if any(gateway.sad.flow_of(sa) is None for sa in gateway.installed):
        gateway.installed = [s for s in gateway.installed if gateway.sad.flow_of(s) is not None]


def _live(sa: IsakmpSa | None) -> bool:
    return sa is not None and not sa.dead
