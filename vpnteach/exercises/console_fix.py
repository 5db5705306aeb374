"""Fix a broken lab through the router's console, as you would type it on the real router.

The answer is a console session: the lines typed at the privileged prompt (``Branch2#``),
``configure terminal`` and ``end`` included. The check types them, line by line, into the
IOS console engine (:func:`vpnteach.labs.console.console_for`) of a fresh broken lab
(:func:`vpnteach.troubleshoot.broken_lab`): a line IOS refuses at the prompt it was typed at
(a configuration command at ``Branch2#``, ``clock set`` at ``Branch2(config)#``, a submode
command outside its submode) is named with that prompt; then the seed's ping runs, and the
answer is right when it crosses the tunnel.

:class:`ConsoleFix` has configuration faults (a policy, a transform set, the crypto ACL, PFS,
the crypto map on the interface); :class:`PkiConsoleFix` has PKI faults (a clock without NTP,
a domain name removed, a CA certificate accepted without comparing its fingerprint).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from vpnteach.crypto.rng import SeededRng, random_int_below
from vpnteach.exercises.answers import AnswerFormatError
from vpnteach.exercises.base import Exercise, Feedback, Mistake
from vpnteach.exercises.config_fix import without_certificates
from vpnteach.exercises.keys import pick
from vpnteach.pki.seed import SEED_CLOCK

if TYPE_CHECKING:
    from vpnteach.lab import Lab

MAX_LINES = 200
REFUSALS = ("% Invalid input", "% Incomplete command", "% Ambiguous command", "% Unknown command")
EXEC_ONLY = ("clock set", "show ", "ping", "copy ", "debug ", "clear ")


@dataclass(frozen=True)
class Fault:
    """A broken lab (a troubleshoot scenario), the router to fix, and a working session."""

    scenario: str
    router: str
    session: str
    symptom: str

    def build(self) -> Lab:
        """A fresh lab with this fault, no traffic yet."""
        from vpnteach.troubleshoot.scenarios import broken_lab

        return broken_lab(self.scenario)


CONFIG_FAULTS = (
    Fault("isakmp_encryption", "Branch2",
          "configure terminal\ncrypto isakmp policy 10\n encryption 3des\nend",
          "Branch2 answers MM1 with NO_PROPOSAL_CHOSEN"),
    Fault("transform_set", "Branch2",
          "configure terminal\ncrypto ipsec transform-set TS esp-3des esp-md5-hmac\nend",
          "Branch2 answers QM1 with NO_PROPOSAL_CHOSEN"),
    Fault("acl_not_mirrored", "Branch2",
          "configure terminal\nno ip access-list extended ACL\nip access-list extended ACL\n"
          " permit ip 192.168.22.0 0.0.0.255 192.168.11.0 0.0.0.255\nend",
          "Branch2 answers QM1 with INVALID_ID_INFORMATION"),
    Fault("pfs_one_side", "Branch2",
          "configure terminal\ncrypto map CRYPTO 10 ipsec-isakmp\n no set pfs\nend",
          "Branch2 answers QM1 with NO_PROPOSAL_CHOSEN"),
    Fault("crypto_map_not_applied", "Branch1",
          "configure terminal\ninterface Serial1/0\n crypto map CRYPTO\nend",
          "Branch1's pings leave in clear and no IKE starts"),
)  # fmt: skip
_SEED_TIME = f"{SEED_CLOCK:%H:%M:%S} {SEED_CLOCK:%b} {SEED_CLOCK.day} {SEED_CLOCK.year}"
PKI_ACTIONS = ("set_clock", "drop_domain", "rename_domain", "impostor_ca")
WRONG_DOMAINS = ("amit.org", "amit.net", "amit.local", "branch.amit.com", "amit.com.au")


@dataclass(frozen=True)
class PkiFault:
    """A PKI fault on one router: a clock off by ``days``, its domain name removed, or an
    impostor's CA certificate accepted (:mod:`vpnteach.troubleshoot.pki_actions`)."""

    action: str
    router: str
    days: float = 0.0
    variant: str = ""
    """The wrong domain name (rename_domain), the impostor's key label (impostor_ca)."""

    @property
    def peer(self) -> str:
        return "Branch2" if self.router == "Branch1" else "Branch1"

    @property
    def scenario(self) -> str:
        return f"{self.action} on {self.router}"

    @property
    def session(self) -> str:
        return {
            "set_clock": f"clock set {_SEED_TIME}",
            "drop_domain": "configure terminal\nip domain name amit.com\nend",
            "rename_domain": "configure terminal\nip domain name amit.com\nend",
            "impostor_ca": "configure terminal\ncrypto pki authenticate WIN2003\nyes\nend",
        }[self.action]

    @property
    def symptom(self) -> str:
        refuser = self.peer if self.action.endswith("_domain") else self.router
        message = "MM5" if refuser == "Branch2" else "MM6"
        notify = "INVALID_CERT_AUTHORITY" if self.action == "impostor_ca" else "INVALID_CERTIFICATE"
        return f"{refuser} refuses the certificate in {message} and sends {notify}"

    def build(self) -> Lab:
        """The seed lab with this fault, no traffic yet."""
        from vpnteach.lab import Lab
        from vpnteach.troubleshoot.pki_actions import PKI_ACTIONS as ACTIONS

        lab = Lab.seed()
        extras: dict[str, dict[str, Any]] = {
            "set_clock": {"days": self.days},
            "rename_domain": {"domain": self.variant},
            "impostor_ca": {"label": self.variant},
        }
        extra = extras.get(self.action, {})
        ACTIONS[self.action](lab, router=self.router, **extra)
        return lab


AnyFault = Fault | PkiFault


@functools.cache
def evidence(fault: AnyFault) -> tuple[tuple[str, str], ...]:
    """What the routers show with ``fault``, as (title, text) rows (built once)."""
    lab = fault.build()
    rows = []
    for router in (lab.branch1, lab.branch2):
        for command in ("show clock", "show running-config"):
            text = router.exec(command)
            if command == "show running-config":
                text = without_certificates(text)
            rows.append((f"{router.name}# {command}", text.strip()))
    if lab.ca is not None:
        from vpnteach.pki.show import fingerprint

        rows.append(("the CA administrator reads you the CA's fingerprint (MD5)",
                     fingerprint(lab.ca.certificate, "md5")))  # fmt: skip
        for router in (lab.branch1, lab.branch2):
            tp = next(iter(router.pki.trustpoints.values()), None)
            if tp is not None and tp.ca_certificate is not None:
                rows.append((f"{router.name}'s CA certificate fingerprint (MD5), trustpoint "
                             f"{tp.name}", fingerprint(tp.ca_certificate, "md5")))  # fmt: skip
    return tuple(rows)


@dataclass(frozen=True)
class ConsoleParams:
    """The learner's fault, by scenario name (the repair stays in the fault tables)."""

    scenario: str

    @property
    def fault(self) -> Fault:
        return next(f for f in CONFIG_FAULTS if f.scenario == self.scenario)


P = TypeVar("P")


class _AtTheConsole(Exercise[P, str]):
    """An exercise answered with a console session on one router (module docstring)."""

    answer_format = "the lines you type at the router's privileged prompt, one per line"

    def _fault(self, p: P) -> AnyFault:
        raise NotImplementedError

    def _givens(self, p: P) -> list[tuple[str, Any]]:
        return [("symptom", self._fault(p).symptom), *evidence(self._fault(p))]

    def _question(self, p: P) -> str:
        fault = self._fault(p)
        return (
            f"The tunnel does not come up: {fault.symptom}. You are at {fault.router}'s "
            f"console, at the prompt {fault.router}#. Type what repairs it."
        )

    def _read(self, answer: object) -> str:
        if not isinstance(answer, str) or not answer.strip():
            raise AnswerFormatError("type the console lines as text, one command per line")
        if len(answer.splitlines()) > MAX_LINES:
            raise AnswerFormatError(f"at most {MAX_LINES} lines")
        return answer

    def _solve(self, p: P) -> str:
        return self._fault(p).session

    def _evaluate(self, answer: object) -> Feedback:
        try:
            session = self._read(answer)
        except AnswerFormatError as error:
            return Feedback(False, str(error), "format")
        return type_session(self._fault(self._p), session)

    def _mistakes(self, p: P) -> list[Mistake[str]]:
        session = self._fault(p).session
        body = "\n".join(line for line in session.splitlines()
                         if line not in ("configure terminal", "end"))  # fmt: skip
        mistakes = [
            Mistake("no_configure_terminal", body, "configuration at the exec prompt"),
            Mistake("still_broken", "show running-config", "nothing changed"),
        ]
        flat = "\n".join(line.strip() for line in session.splitlines())
        if flat != session and "configure terminal" in session:
            mistakes.append(Mistake("submode_skipped", _skip_section(session),
                                    "a submode command in global configuration"))  # fmt: skip
        return mistakes


class ConsoleFix(_AtTheConsole[ConsoleParams]):
    """Repair a configuration fault by typing at one router's console."""

    id = "console_fix"
    title = "Fix it at the console"
    kind = "fix"
    hint_ladder = (
        "Find the line of one configuration that the other router cannot live with: compare "
        "the two running configurations, section by section.",
        "Configuration commands need 'configure terminal' first; commands under a section "
        "(policy, transform set, access list, crypto map, interface) need that section's line "
        "first, so that the prompt shows the submode.",
        "'no' removes a line; an access list entry that is wrong must be removed (or the list "
        "recreated), or the first match still wins.",
    )

    @classmethod
    def _make_params(cls, rng: SeededRng) -> ConsoleParams:
        return ConsoleParams(pick(rng, CONFIG_FAULTS).scenario)

    def _fault(self, p: ConsoleParams) -> AnyFault:
        return p.fault


class PkiConsoleFix(_AtTheConsole[PkiFault]):
    """Repair a PKI fault by typing at one router's console."""

    id = "pki_console_fix"
    title = "Fix the certificate problem at the console"
    kind = "fix"
    hint_ladder = (
        "INVALID_CERTIFICATE: the router refused the peer's certificate (dates on its own "
        "clock, or a name that does not match); INVALID_CERT_AUTHORITY: it cannot verify who "
        "signed it.",
        "Compare show clock on both routers, the names (hostname, ip domain name) with the "
        "certificate's, and the CA certificate's fingerprint with the CA administrator's.",
        "clock set is an exec command (at Router#); ip domain name and crypto pki "
        "authenticate are typed in global configuration (Router(config)#); answer the "
        "fingerprint question only after comparing.",
    )

    @classmethod
    def _make_params(cls, rng: SeededRng) -> PkiFault:
        action, router = pick(rng, PKI_ACTIONS), pick(rng, ("Branch1", "Branch2"))
        days = float(2 + random_int_below(rng, 6))
        if random_int_below(rng, 2):
            days = -days  # set back before the certificates were issued
        else:
            days += 380.0  # a year on: both certificates have expired on that clock
        variant = {
            "rename_domain": pick(rng, WRONG_DOMAINS),
            "impostor_ca": f"impostor-{rng.random_bytes(4).hex()}",
        }.get(action, "")
        return PkiFault(action, router, days if action == "set_clock" else 0.0, variant)

    def _fault(self, p: PkiFault) -> AnyFault:
        return p

    def _mistakes(self, p: PkiFault) -> list[Mistake[str]]:
        mistakes = super()._mistakes(p)
        if p.action == "set_clock":
            wrong = p.session.replace(str(SEED_CLOCK.year), str(SEED_CLOCK.year - 1))
            mistakes += [
                Mistake("exec_command_in_config", "configure terminal\n" + p.session,
                        "clock set in configuration mode"),
                Mistake("still_broken", wrong, "a clock still outside the validity"),
            ]  # fmt: skip
        if p.action == "impostor_ca":
            mistakes.append(Mistake("still_broken", p.session.replace("yes", "no"),
                                    "the CA certificate refused"))  # fmt: skip
        return mistakes


def _skip_section(session: str) -> str:
    """``session`` with its section line (``crypto isakmp policy 10``...) left out."""
    lines = session.splitlines()
    sections = [i for i, line in enumerate(lines[:-1]) if lines[i + 1].startswith(" ")]
    return "\n".join(line.strip() for i, line in enumerate(lines) if i not in sections[-1:])


def type_session(fault: AnyFault, session: str) -> Feedback:
    """Type ``session`` at ``fault.router``'s console in a fresh broken lab, then ping."""
    from vpnteach.labs.console import console_for
    from vpnteach.troubleshoot.diagnose import diagnose
    from vpnteach.troubleshoot.scenarios import run_traffic

    lab = fault.build()
    console = console_for(lab.router(fault.router), enabled=True)
    for line in session.splitlines():
        if not line.strip():
            continue
        prompt = console.prompt
        out = console.enter(line)
        refused = next((r for r in REFUSALS if r in out), None)
        if refused is not None:
            return _refused(prompt, line.strip(), refused)
    ping = run_traffic(lab, settle=5.0)
    if diagnose(lab).tunnel_up and "!!!!!" in ping:
        return Feedback(True, f"Repaired: after your session at {fault.router}'s console, "
                        "Branch1's ping crosses the tunnel (5/5).")  # fmt: skip
    return Feedback(False, "IOS took every line, but the tunnel still does not carry the "
                    f"ping: before your session, {fault.symptom}. What does that check "
                    "compare?", "still_broken")  # fmt: skip


def _refused(prompt: str, line: str, error: str) -> Feedback:
    where = f"'{line}' typed at {prompt} was refused ({error}...)."
    if "(config" not in prompt and not line.lower().startswith(EXEC_ONLY):
        return Feedback(False, f"{where} Configuration commands need 'configure terminal' "
                        "first.", "no_configure_terminal")  # fmt: skip
    if "(config" in prompt and line.lower().startswith(EXEC_ONLY):
        return Feedback(False, f"{where} That is an exec command: 'end' first (or 'do "
                        f"{line}').", "exec_command_in_config")  # fmt: skip
    return Feedback(False, f"{where} Is it in the right submode? A command under a section "
                    "needs the section's line first.", "submode_skipped")  # fmt: skip
