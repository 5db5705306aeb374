"""IKE states and inputs, named exactly as Cisco IOS names them in ``debug crypto isakmp``.

IOS drives each ISAKMP SA (and each Quick Mode "node", one per message ID) through a state
machine and logs every step as::

    ISAKMP:(0):Input = IKE_MESG_FROM_PEER, IKE_MM_EXCH
    ISAKMP:(0):Old State = IKE_I_MM1 New State = IKE_I_MM2

An input is a pair (where the message came from, what it is). The names below come from the
seed tutorial's log (initiator) and from public IOS-XE responder logs (``IKE_R_MM1..5``,
``IKE_QM_SPI_STARVE``, ``IKE_QM_IPSEC_INSTALL_AWAIT``, ``IKE_QM_R_QM2``).

``MM_NO_STATE``/``MM_SA_SETUP``/``MM_KEY_EXCH``/``QM_IDLE`` are the coarser ISAKMP SA states
``show crypto isakmp sa`` and the "sending packet" lines print; :func:`isakmp_sa_state` maps to
them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class IkeState(str, Enum):
    """A state of an ISAKMP SA (Main Mode) or of a Quick Mode node; value = IOS name."""

    IKE_READY = "IKE_READY"
    IKE_I_MM1 = "IKE_I_MM1"
    IKE_I_MM2 = "IKE_I_MM2"
    IKE_I_MM3 = "IKE_I_MM3"
    IKE_I_MM4 = "IKE_I_MM4"
    IKE_I_MM5 = "IKE_I_MM5"
    IKE_I_MM6 = "IKE_I_MM6"
    IKE_R_MM1 = "IKE_R_MM1"
    IKE_R_MM2 = "IKE_R_MM2"
    IKE_R_MM3 = "IKE_R_MM3"
    IKE_R_MM4 = "IKE_R_MM4"
    IKE_R_MM5 = "IKE_R_MM5"
    # Aggressive Mode (RFC 2409 §5.4): the names IOS logs, as far as public IOS logs show them
    # (the responder's AAA wait is where IOS looks the pre-shared key up).
    IKE_I_AM1 = "IKE_I_AM1"
    IKE_R_AM_AAA_AWAIT = "IKE_R_AM_AAA_AWAIT"
    IKE_R_AM2 = "IKE_R_AM2"
    IKE_P1_COMPLETE = "IKE_P1_COMPLETE"
    IKE_DEST_SA = "IKE_DEST_SA"
    IKE_QM_READY = "IKE_QM_READY"
    IKE_QM_I_QM1 = "IKE_QM_I_QM1"
    IKE_QM_SPI_STARVE = "IKE_QM_SPI_STARVE"
    IKE_QM_IPSEC_INSTALL_AWAIT = "IKE_QM_IPSEC_INSTALL_AWAIT"
    IKE_QM_R_QM2 = "IKE_QM_R_QM2"
    IKE_QM_PHASE2_COMPLETE = "IKE_QM_PHASE2_COMPLETE"

    def __str__(self) -> str:
        return self.value


class MessageSource(str, Enum):
    """Where an input comes from (the first half of an IOS ``Input = ...`` line)."""

    IKE_MESG_FROM_PEER = "IKE_MESG_FROM_PEER"
    IKE_MESG_INTERNAL = "IKE_MESG_INTERNAL"
    IKE_MESG_FROM_IPSEC = "IKE_MESG_FROM_IPSEC"
    IKE_MESG_FROM_TIMER = "IKE_MESG_FROM_TIMER"
    IKE_MESG_FROM_AAA = "IKE_MESG_FROM_AAA"

    def __str__(self) -> str:
        return self.value


class IkeEvent(str, Enum):
    """What the input is (the second half of an IOS ``Input = ...`` line)."""

    IKE_SA_REQ_MM = "IKE_SA_REQ_MM"
    IKE_MM_EXCH = "IKE_MM_EXCH"
    IKE_PROCESS_MAIN_MODE = "IKE_PROCESS_MAIN_MODE"
    IKE_PROCESS_COMPLETE = "IKE_PROCESS_COMPLETE"
    IKE_PHASE1_COMPLETE = "IKE_PHASE1_COMPLETE"
    IKE_INIT_QM = "IKE_INIT_QM"
    IKE_QM_EXCH = "IKE_QM_EXCH"
    IKE_GOT_SPI = "IKE_GOT_SPI"
    IPSEC_INSTALL_DONE = "IPSEC_INSTALL_DONE"
    IKE_PROCESS_ERROR = "IKE_PROCESS_ERROR"
    IKE_TIMER_EXPIRED = "IKE_TIMER_EXPIRED"
    IKE_PHASE1_DEL = "IKE_PHASE1_DEL"
    IKE_SA_REQ_AM = "IKE_SA_REQ_AM"
    IKE_AM_EXCH = "IKE_AM_EXCH"
    PRESHARED_KEY_REPLY = "PRESHARED_KEY_REPLY"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Input:
    """An IOS state-machine input: ``(source, event)``."""

    source: MessageSource
    event: IkeEvent

    def __str__(self) -> str:
        return f"{self.source.value}, {self.event.value}"


FROM_PEER = MessageSource.IKE_MESG_FROM_PEER
INTERNAL = MessageSource.IKE_MESG_INTERNAL
FROM_IPSEC = MessageSource.IKE_MESG_FROM_IPSEC
FROM_TIMER = MessageSource.IKE_MESG_FROM_TIMER

SA_REQ_MM = Input(FROM_IPSEC, IkeEvent.IKE_SA_REQ_MM)
MM_EXCH = Input(FROM_PEER, IkeEvent.IKE_MM_EXCH)
PROCESS_MAIN_MODE = Input(INTERNAL, IkeEvent.IKE_PROCESS_MAIN_MODE)
PROCESS_COMPLETE = Input(INTERNAL, IkeEvent.IKE_PROCESS_COMPLETE)
PHASE1_COMPLETE = Input(INTERNAL, IkeEvent.IKE_PHASE1_COMPLETE)
INIT_QM = Input(INTERNAL, IkeEvent.IKE_INIT_QM)
QM_EXCH = Input(FROM_PEER, IkeEvent.IKE_QM_EXCH)
GOT_SPI = Input(INTERNAL, IkeEvent.IKE_GOT_SPI)
INSTALL_DONE = Input(FROM_IPSEC, IkeEvent.IPSEC_INSTALL_DONE)
#: The ISAKMP SA is deleted (Delete received or sent, negotiation given up): IOS logs
#: "Input = IKE_MESG_INTERNAL, IKE_PHASE1_DEL / Old State = IKE_P1_COMPLETE New State =
#: IKE_DEST_SA" (a public IOS 15 log of a received Delete).
PHASE1_DEL = Input(INTERNAL, IkeEvent.IKE_PHASE1_DEL)
#: A timer ended the ISAKMP SA: retransmissions exhausted ("Death by retransmission P1") or
#: the lifetime ran out.
TIMER_EXPIRED = Input(FROM_TIMER, IkeEvent.IKE_TIMER_EXPIRED)

#: Aggressive Mode (RFC 2409 §5.4): IOS starts it on ``IKE_SA_REQ_AM``, each AM message is an
#: ``IKE_AM_EXCH``, and the responder's key lookup answers with ``PRESHARED_KEY_REPLY``.
SA_REQ_AM = Input(FROM_IPSEC, IkeEvent.IKE_SA_REQ_AM)
AM_EXCH = Input(FROM_PEER, IkeEvent.IKE_AM_EXCH)
PSK_REPLY = Input(MessageSource.IKE_MESG_FROM_AAA, IkeEvent.PRESHARED_KEY_REPLY)

S = IkeState
_SA_STATES: dict[IkeState, str] = {
    S.IKE_READY: "MM_NO_STATE",
    S.IKE_I_MM1: "MM_NO_STATE",
    S.IKE_I_MM2: "MM_SA_SETUP",
    S.IKE_I_MM3: "MM_SA_SETUP",
    S.IKE_I_MM4: "MM_KEY_EXCH",
    S.IKE_I_MM5: "MM_KEY_EXCH",
    S.IKE_I_MM6: "MM_KEY_EXCH",
    S.IKE_R_MM1: "MM_SA_SETUP",
    S.IKE_R_MM2: "MM_SA_SETUP",
    S.IKE_R_MM3: "MM_KEY_EXCH",
    S.IKE_R_MM4: "MM_KEY_EXCH",
    S.IKE_R_MM5: "MM_KEY_EXCH",
    S.IKE_I_AM1: "AG_INIT_EXCH",
    S.IKE_R_AM_AAA_AWAIT: "AG_INIT_EXCH",
    S.IKE_R_AM2: "AG_INIT_EXCH",
    S.IKE_P1_COMPLETE: "QM_IDLE",
    S.IKE_DEST_SA: "MM_NO_STATE",
}


def isakmp_sa_state(state: IkeState) -> str:
    """The ``show crypto isakmp sa`` state for a Main Mode state (``QM_IDLE`` once done)."""
    return _SA_STATES.get(state, "QM_IDLE")
