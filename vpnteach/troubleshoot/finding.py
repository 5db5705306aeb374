"""The diagnosis as values: :class:`Finding` (one cause) and :class:`Diagnosis` (the run).

A finding says which phase failed, on which router, which check or notification, why in plain
words, and what to type to fix it: configuration lines (after ``configure terminal``) on
``fix_router`` and exec commands (``clock set``, ``crypto pki enroll``). ``str()`` gives the
console text, ``_repr_html_`` the notebook view (stdlib only).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import TYPE_CHECKING

from vpnteach._html import HtmlRepr
from vpnteach.ike.records import LogLine

if TYPE_CHECKING:
    from vpnteach.stepper import Stepper
    from vpnteach.stepper.step import Step

SEVERITIES = ("fault", "recovered", "attack", "info")
PHASES = {0: "data plane", 1: "IKE phase 1 (Main Mode)", 2: "IKE phase 2 (Quick Mode)"}

CAUSES: dict[str, str] = {
    "isakmp_policy_mismatch": "the two routers' ISAKMP policies do not match (phase 1)",
    "transform_set_mismatch": "the transform sets have no transform in common (phase 2)",
    "pfs_mismatch": "PFS configured on one side only (phase 2)",
    "acl_not_mirrored": "the crypto ACLs are not mirror images (phase 2)",
    "wrong_peer": "'set peer' names an address where no peer answers",
    "crypto_map_not_applied": "the crypto map is not applied to the WAN interface",
    "clock_skew": "a router's clock is wrong, so certificates look invalid",
    "id_mismatch": "a router's identity does not match its certificate",
    "ca_not_authenticated": "a router has not authenticated the CA",
    "untrusted_ca": "a router trusts another CA's certificate than the one that issued the peer's",
    "psk_mismatch": "the pre-shared keys differ",
    "rsa_encr_no_peer_key": "rsa-encr: no key for the peer in the pubkey chain",
    "rsa_encr_wrong_peer_key": "rsa-encr: the peer's key in the pubkey chain is stale",
    "certificate_expired": "a certificate has expired",
    "certificate_revoked": "a certificate was revoked",
    "peer_unreachable": "the peer does not answer (dead or unreachable)",
    "quick_mode_half_open": "QM3 was lost: SAs on one router only",
}
"""The causes a learner may name, with what each means."""


@dataclass(frozen=True)
class Finding(HtmlRepr):
    """One cause found in a run.

    Attributes:
        cause: a stable id (``"isakmp_policy_mismatch"``); title: the same in words.
        phase: 1, 2 or 0 (data plane); router: where the failing check ran.
        check: the check or notification that failed; explanation: why, in plain words.
        fix_router: where to type ``fix`` (configuration lines) and ``exec_fix`` (exec
            commands); ``None``: nothing to change in a configuration.
        evidence: the facts behind it (counters, the peer's side, link faults).
        severity: ``fault``, ``recovered`` (came up anyway), ``attack`` (blocked), ``info``.
        marker: ``(router, what)`` to find the failing step in a stepper (``what``: a record
            type such as ``BadMessage``, or ``"DROPPED"``/``"cert"``).
    """

    cause: str
    title: str
    phase: int
    router: str
    check: str
    explanation: str
    fix_router: str | None = None
    fix: tuple[str, ...] = ()
    exec_fix: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    severity: str = "fault"
    marker: tuple[str, str | type[LogLine]] = ("", "")

    def text(self) -> str:
        """The finding as console text."""
        lines = [
            f"{self.title} [{self.cause}]",
            f"  where: {PHASES.get(self.phase, str(self.phase))}, on {self.router}",
            f"  check: {self.check}",
            f"  why:   {self.explanation}",
        ]
        if self.fix or self.exec_fix:
            lines.append(f"  fix on {self.fix_router}:")
            lines += [f"    (config) {line}" for line in self.fix]
            lines += [f"    (exec)   {line}" for line in self.exec_fix]
        lines += [f"  seen:  {e}" for e in self.evidence]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        fix = "\n".join([*self.fix, *(f"! exec: {c}" for c in self.exec_fix)])
        rows = [
            ("where", f"{PHASES.get(self.phase, str(self.phase))}, on {self.router}"),
            ("check", self.check),
            ("why", self.explanation),
            *(("seen", e) for e in self.evidence),
        ]
        body = "".join(
            f"<tr><th style='text-align:left;vertical-align:top'>{html.escape(k)}</th>"
            f"<td>{html.escape(v)}</td></tr>"
            for k, v in rows
        )
        fix_html = (
            f"<p>Fix on <b>{html.escape(self.fix_router or '')}</b>:</p>"
            f"<pre>{html.escape(fix)}</pre>"
            if fix
            else ""
        )
        title = html.escape(f"{self.title} ({self.severity})")
        return (
            f"<div class='vpnteach-finding'><h4>{title}</h4><table>{body}</table>{fix_html}</div>"
        )


@dataclass(frozen=True)
class Diagnosis(HtmlRepr):
    """What a run shows: findings (faults first), each router's symptoms, the tunnel's state.

    Attributes:
        findings: every cause found, in rule order; symptoms: ``(router, one line)``;
        tunnel_up: both ends installed IPsec SAs; step_index: the failing step of the stepper
        passed to :func:`~vpnteach.troubleshoot.diagnose`, if any.
    """

    findings: tuple[Finding, ...]
    symptoms: tuple[tuple[str, str], ...]
    tunnel_up: bool
    step_index: int | None = None

    @property
    def faults(self) -> tuple[Finding, ...]:
        """The findings that are configuration or network faults."""
        return tuple(f for f in self.findings if f.severity == "fault")

    @property
    def primary(self) -> Finding | None:
        """The first fault (or, without one, the first finding)."""
        ranked = self.faults or self.findings
        return ranked[0] if ranked else None

    @property
    def cause(self) -> str:
        """The primary cause id, ``"ok"`` when the tunnel is up and nothing is wrong, or
        ``"no_traffic"`` when no IPsec negotiation was seen."""
        if self.primary is not None:
            return self.primary.cause
        return "ok" if self.tunnel_up else "no_traffic"

    def causes(self) -> list[str]:
        """Every cause id found."""
        return [f.cause for f in self.findings]

    def text(self) -> str:
        """The diagnosis as console text."""
        state = "UP" if self.tunnel_up else "DOWN"
        lines = [f"Tunnel {state}; diagnosis: {self.cause}"]
        lines += [f"  {router}: {text}" for router, text in self.symptoms]
        if self.step_index is not None:
            lines.append(f"  failing step: {self.step_index}")
        for finding in self.findings:
            lines += ["", finding.text()]
        if not self.findings:
            lines.append(
                "Nothing wrong found."
                if self.tunnel_up
                else "No negotiation seen: send interesting traffic first "
                "(ping 192.168.22.1 source 192.168.11.1)."
            )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        head = html.escape(self.text().split("\n", 1)[0])
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(r)}</th><td>{html.escape(t)}</td></tr>"
            for r, t in self.symptoms
        )
        parts = "".join(f._repr_html_() for f in self.findings)
        step = f"<p>Failing step: {self.step_index}</p>" if self.step_index is not None else ""
        body = f"<h3>{head}</h3><table>{rows}</table>{step}{parts}"
        return f"<div class='vpnteach-diagnosis'>{body}</div>"


def locate(stepper: Stepper, finding: Finding) -> int | None:
    """The index of the first step of ``stepper``'s run that shows ``finding``'s failure."""
    router, what = finding.marker
    if not what:
        return None
    len(stepper)  # run to the end: every step recorded
    for step in stepper[:]:
        if _shows(step, router, what):
            return step.index
    return None


def _shows(step: Step, router: str, what: str | type[LogLine]) -> bool:
    from vpnteach.pki.validation import CertificateCheck
    from vpnteach.stepper.step import LogEntry, StepKind

    if router and step.actor != router:
        return False
    if what == "DROPPED":
        return step.kind is StepKind.DROPPED
    if what == "cert":
        value = getattr(step.payload, "value", None)
        return step.kind is StepKind.CERTIFICATE_CHECK and isinstance(value, CertificateCheck) \
            and not value.ok  # fmt: skip
    payload = step.payload
    return step.kind is StepKind.LOG and isinstance(payload, LogEntry) \
        and isinstance(what, type) and isinstance(payload.record, what)  # fmt: skip
