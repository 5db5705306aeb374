"""When an IKE SA that waits for the peer is given up without a word (RFC 7296 §2.6, §2.8.2).

Two kinds of SA wait for something only the peer can do, and are forgotten when it does not
come, silently (nothing is sent: the peer either never had the SA or already forgot it):

* a half-open responder SA, whose IKE_AUTH request never came (§2.6: a flood of
  IKE_SA_INIT requests would otherwise fill memory);
* an IKE SA a rekey replaced (:attr:`~vpnteach.ikev2.sa.IkeSa.superseded_at`): the old one,
  whose Delete is the rekey's initiator's to send (§1.3.2), and after simultaneous rekeys
  (§2.8.2) the peer's redundant new one, whose Delete is the peer's. A peer that settled the
  collision otherwise (charon, multi-threaded, may read the winner's Delete of the old IKE SA
  before the answer to its own request, conclude that the winner "did not notice" and drop its
  half-made SA without a Delete) never sends it. strongSwan gives such an SA 30 s
  (``HALF_OPEN_IKE_SA_TIMEOUT``) and then destroys it; so do we.
"""

from __future__ import annotations

from vpnteach.ikev2.sa import IkeSa
from vpnteach.ikev2.transitions import State

HALF_OPEN_SECONDS = 30.0
"""The default of :attr:`~vpnteach.ikev2.config.Ikev2Config.half_open_timeout` (``vpnteach
router run --half-open-timeout`` sets it): a responder forgets an IKE SA whose IKE_AUTH has
not come after this long (RFC 7296 §2.6: half-open SAs are what a flood of IKE_SA_INIT
requests fills memory with)."""

SUPERSEDED_SECONDS = 30.0
"""An IKE SA a rekey replaced is forgotten after this long if the peer never deleted it."""


def deadline(sa: IkeSa, half_open: float = HALF_OPEN_SECONDS) -> tuple[float, str] | None:
    """When ``sa`` is given up (a half-open one ``half_open`` s after it came), and the counter
    that says why; ``None``: it waits for nothing."""
    if sa.state == State.R_WAIT_AUTH:
        return sa.created + half_open, "half_open_expired"
    if sa.state == State.READY and sa.superseded_at is not None:
        return sa.superseded_at + SUPERSEDED_SECONDS, "superseded_expired"
    return None
