"""The self-graded troubleshooting exercise: a broken lab whose fault you are not told.

The broken lab and the diagnosis come from :mod:`vpnteach.troubleshoot` (the named faults and
the causes a learner may name); this module chooses the fault and grades the repair.

::

    lab = mystery_lab(learner="ada")            # the fault is chosen from the learner id
    lab.branch1.exec("ping 192.168.22.1 source 192.168.11.1")
    lab.branch2.exec("debug crypto isakmp") ...  # find it: show, debug, the stepper
    check_fix(lab, {"Branch2": "crypto isakmp policy 10\\n encryption 3des"},
              cause="isakmp_policy_mismatch")
    mystery_diagnosis(lab)                       # the automatic diagnosis, after a real try

**The draw.** :data:`FAMILIES` groups the faults by the cause behind them (three policy
attributes are one family); a learner's family is drawn first, uniformly, then a variant, so
no family goes to much more than 1 learner in 12 (``tests/exercises/test_mystery.py`` checks
at most a fifth of 200 learners). The draw uses the exercise parameters
(:mod:`vpnteach.exercises.base`): public in self-study, from the course secret in a course.

**Grading like every exercise.** :func:`check_fix` is ``Troubleshoot(learner).check``: the
answer (the cause and the commands per router) is recorded in the notebook
(:mod:`vpnteach.exercises.records`), and ``vpnteach grade`` recomputes the verdict: it
rebuilds the learner's broken lab, types the recorded commands (configuration lines;
``clock set`` and ``crypto pki ...`` in exec mode), runs the seed's ping, and wants the cause
behind the fault (one of :data:`~vpnteach.troubleshoot.CAUSES`) and 5 of 5 echoes.

**Feedback** points at what the routers show (the notification, the router, the phase), never
at the fault's name; the automatic diagnosis stays hidden until the learner has tried a fix.
"""

from __future__ import annotations

import functools
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from vpnteach._html import HtmlRepr
from vpnteach.crypto.rng import SeededRng, random_int_below
from vpnteach.exercises.answers import AnswerFormatError
from vpnteach.exercises.base import Exercise, Feedback, Statement
from vpnteach.exercises.gradebook import current_learner
from vpnteach.ios import IosConfigError
from vpnteach.pki.seed import SEED_CLOCK
from vpnteach.troubleshoot.diagnose import diagnose
from vpnteach.troubleshoot.edit import apply_commands
from vpnteach.troubleshoot.finding import CAUSES, PHASES
from vpnteach.troubleshoot.scenarios import ACL_RESET, broken_lab, run_traffic, scenario

if TYPE_CHECKING:
    from vpnteach.lab import Lab

EXERCISE_ID = "troubleshoot"
ROUTERS = ("Branch1", "Branch2")

FAMILIES: tuple[tuple[str, ...], ...] = (
    ("isakmp_encryption", "isakmp_hash", "isakmp_group"),
    ("transform_set",),
    ("pfs_one_side",),
    ("acl_not_mirrored",),
    ("wrong_peer",),
    ("crypto_map_not_applied",),
    ("clock_skew",),
    ("expired_certificate",),
    ("revoked_certificate",),
    ("id_mismatch", "no_domain_name"),
    ("wrong_ca_fingerprint",),
)
"""The faults a mystery lab may have, grouped by the cause behind them (one family per cause);
each is fixed by typing commands on the routers."""

MYSTERIES = tuple(name for family in FAMILIES for name in family)

_SEED_TIME = f"clock set {SEED_CLOCK:%H:%M:%S} {SEED_CLOCK:%b} {SEED_CLOCK.day} {SEED_CLOCK.year}"
FIXES: dict[str, dict[str, str]] = {
    "isakmp_encryption": {"Branch2": "crypto isakmp policy 10\n encryption 3des"},
    "isakmp_hash": {"Branch2": "crypto isakmp policy 10\n hash md5"},
    "isakmp_group": {"Branch2": "crypto isakmp policy 10\n group 1"},
    "transform_set": {"Branch2": "crypto ipsec transform-set TS esp-3des esp-md5-hmac"},
    "pfs_one_side": {"Branch2": "crypto map CRYPTO 10 ipsec-isakmp\n no set pfs"},
    "acl_not_mirrored": {
        "Branch2": ACL_RESET + " permit ip 192.168.22.0 0.0.0.255 192.168.11.0 0.0.0.255"
    },
    "wrong_peer": {
        "Branch1": "crypto map CRYPTO 10 ipsec-isakmp\n no set peer 10.2.2.9\n set peer 10.2.2.1"
    },
    "crypto_map_not_applied": {"Branch1": "interface Serial1/0\n crypto map CRYPTO"},
    "clock_skew": {"Branch2": _SEED_TIME},
    "expired_certificate": {
        "Branch1": "crypto pki enroll WIN2003",
        "Branch2": "crypto pki enroll WIN2003",
    },
    "revoked_certificate": {"Branch1": "crypto pki enroll WIN2003"},
    "id_mismatch": {"Branch1": "ip domain-name amit.com"},
    "no_domain_name": {"Branch1": "ip domain-name amit.com"},
    "wrong_ca_fingerprint": {"Branch2": "crypto pki authenticate WIN2003"},
}
"""One working repair per fault (the instructor's solution; tests check each one)."""

Commands = tuple[tuple[str, str], ...]
Answer = tuple[str, Commands]


def draw_fault(rng: SeededRng) -> str:
    """A family uniformly, then one of its variants."""
    family = FAMILIES[random_int_below(rng, len(FAMILIES))]
    return family[random_int_below(rng, len(family))] if len(family) > 1 else family[0]


def read_commands(commands: object) -> Commands:
    """``{"Branch2": "lines"}`` (or pairs) as sorted (router, text) pairs; clear errors."""
    if isinstance(commands, dict):
        pairs = list(commands.items())
    elif isinstance(commands, (list, tuple)):
        pairs = [tuple(p) if isinstance(p, (list, tuple)) else (p,) for p in commands]
    else:
        raise AnswerFormatError("commands: give {'Branch2': 'lines to type'}")
    out = []
    for pair in pairs:
        if len(pair) != 2 or not all(isinstance(x, str) for x in pair):
            raise AnswerFormatError("commands: each router's lines are one text")
        router, text = pair
        if router not in ROUTERS:
            raise AnswerFormatError(f"commands: {router!r} is not a router: {', '.join(ROUTERS)}")
        out.append((router, text))
    return tuple(sorted(out))


@dataclass(frozen=True)
class MysteryParams:
    fault: str


class Troubleshoot(Exercise[MysteryParams, Answer]):
    """Find and fix the fault of your mystery lab (the troubleshooting notebook)."""

    id = EXERCISE_ID
    title = "The mystery lab: find the fault, fix it"
    kind = "fix"
    answer_format = "a cause id and the commands per router: check_fix(lab, {...}, cause=...)"
    hint_ladder = (
        "Ping from Branch1's LAN with 'debug crypto isakmp' on both routers: which router "
        "complains first, and in which message?",
        "A notification names the check that failed: NO_PROPOSAL_CHOSEN (proposals), "
        "INVALID_ID_INFORMATION (proxy identities), INVALID_CERTIFICATE or "
        "INVALID_CERT_AUTHORITY (the certificate), retransmissions (nobody answers).",
        "Compare that router's show commands with the other's: running-config, "
        "show crypto isakmp policy, show clock, show crypto pki certificates.",
        "Step to the first log entry with the stepper: the step's explanation says which "
        "field or check refused the message.",
    )

    @classmethod
    def _make_params(cls, rng: SeededRng) -> MysteryParams:
        return MysteryParams(draw_fault(rng))

    def _givens(self, p: MysteryParams) -> list[tuple[str, Any]]:
        return [("lab", "exercises.mystery_lab(): the seed lab with one fault")]

    def _question(self, p: MysteryParams) -> str:
        return (
            "Someone broke the seed VPN: Branch1's ping to 192.168.22.1 no longer crosses the "
            "tunnel. Find the cause and type the repair."
        )

    @property
    def statement(self) -> Statement:  # the fault stays out of the statement
        text = f"{self.title}\n\n{self._question(self._p)}\n\nAnswer: {self.answer_format}"
        return Statement(text, f"<div class='vpnteach-exercise'><h4>{self.title}</h4>"
                         f"<p>{self._question(self._p)}</p></div>")  # fmt: skip

    def _read(self, answer: object) -> Answer:
        if not isinstance(answer, (list, tuple)) or len(answer) != 2:
            raise AnswerFormatError("answer: (cause, {router: commands})")
        cause, commands = answer
        if not isinstance(cause, str) or cause not in CAUSES:
            raise AnswerFormatError(f"Name the cause with one of: {', '.join(CAUSES)}.")
        return cause, read_commands(commands)

    def _solve(self, p: MysteryParams) -> Answer:
        return scenario(p.fault).expect.cause, read_commands(FIXES[p.fault])

    def _show_answer(self, value: Answer) -> str:
        cause, commands = value
        return f"{cause}: " + "; ".join(f"{r}: {t!r}" for r, t in commands)

    def _evaluate(self, answer: object) -> Feedback:
        try:
            cause, commands = self._read(answer)
        except AnswerFormatError as error:
            return Feedback(False, str(error), "format")
        return grade_repair(self._p.fault, cause, commands)


def symptom(fault: str) -> str:
    """Where the fault shows (router, notification, phase), without naming it."""
    expect = scenario(fault).expect
    router, word = expect.symptoms[0] if expect.symptoms else ("Branch1", "the ping")
    return f"{router} shows {word} in {PHASES.get(expect.phase, 'the run')}"


def grade_repair(fault: str, cause: str, commands: Commands) -> Feedback:
    """Rebuild ``fault``'s lab, type ``commands``, ping; the verdict on (cause, repair)."""
    fresh = broken_lab(fault)
    try:
        apply_commands(fresh, dict(commands))
    except (IosConfigError, ValueError) as exc:
        return Feedback(False, f"Your commands were refused: {exc}", "format")
    second = run_traffic(fresh, settle=5.0)
    up = diagnose(fresh).tunnel_up and "!!!!!" in second
    expected = scenario(fault).expect.cause
    if cause != expected:
        verdict = "The tunnel now comes up, but the cause you named" if up else "That cause"
        return Feedback(False, f"{verdict} does not explain what the routers showed: "
                        f"{symptom(fault)}. Which check behind that message failed?",
                        "wrong_cause")  # fmt: skip
    if not up:
        return Feedback(
            False,
            f"After your commands the ping still does not cross the tunnel: {symptom(fault)}"
            " before your fix. Apply them to your lab and watch the debug output again.",
            "still_broken",
        )
    return Feedback(True, f"Fixed ({CAUSES[cause]}): Branch1's ping now crosses the tunnel "
                    "(5/5).")  # fmt: skip


# ------------------------------------------------------------------------ the notebook's API

_LEARNERS: weakref.WeakKeyDictionary[Lab, str] = weakref.WeakKeyDictionary()
_TRIED: weakref.WeakKeyDictionary[Lab, int] = weakref.WeakKeyDictionary()
_RAN: weakref.WeakSet[Lab] = weakref.WeakSet()


def mystery_fault(learner: str) -> str:
    """The fault of ``learner``'s mystery lab (for instructors and tests)."""
    return Troubleshoot(learner)._p.fault


def mystery_lab(learner: str | None = None) -> Lab:
    """The seed lab with the fault of ``learner`` (default: the current learner)."""
    who = (learner or "").strip() or current_learner()
    lab = broken_lab(mystery_fault(who))
    _LEARNERS[lab] = who
    return lab


def check_fix(lab: Lab, commands: dict[str, str], cause: str) -> Feedback:
    """Grade a repair of a :func:`mystery_lab`: rebuild it broken, apply ``commands``, ping;
    the ``cause`` must be the one behind the fault. The answer is recorded in the notebook.

    Args:
        lab: a lab from :func:`mystery_lab`.
        commands: ``{"Branch2": "crypto isakmp policy 10\\n hash md5"}``: what to type where.
        cause: the cause you found, one of :data:`~vpnteach.troubleshoot.CAUSES`.
    """
    if lab not in _LEARNERS:  # a named scenario (troubleshoot.broken_lab): practice, unrecorded
        fault = _scenario_of(lab)
        if fault is None:
            return Feedback(False, "This lab cannot be rebuilt: use exercises.mystery_lab().")
        try:
            named, typed = Troubleshoot("practice")._read([cause, commands])
        except AnswerFormatError as error:
            return Feedback(False, str(error), "format")
        return grade_repair(fault, named, typed)
    ex = Troubleshoot(_LEARNERS[lab])
    pairs: object = list(commands.items()) if isinstance(commands, dict) else commands
    feedback = ex.check([cause, pairs])
    if feedback.mistake != "format":
        _TRIED[lab] = _TRIED.get(lab, 0) + 1
    return feedback


def _scenario_of(lab: Lab) -> str | None:
    """The scenario a :func:`~vpnteach.troubleshoot.broken_lab` lab was built with."""
    recipe = lab.recipe
    if isinstance(recipe, functools.partial) and recipe.func is broken_lab and recipe.args:
        return str(recipe.args[0])
    return None


@dataclass(frozen=True)
class NotYet(HtmlRepr):
    """What :func:`mystery_diagnosis` says before the learner has tried a fix."""

    message: str

    def __str__(self) -> str:
        return self.message

    def _repr_html_(self) -> str:
        return f"<div class='vpnteach-feedback'><i>{self.message}</i></div>"


def mystery_diagnosis(lab: Lab) -> Any:
    """The automatic diagnosis of ``lab`` (:func:`vpnteach.troubleshoot.diagnose`), shown only
    after at least one :func:`check_fix` with a cause and commands that could be read."""
    if not _TRIED.get(lab):
        return NotYet(
            "The automatic diagnosis opens after you have tried: name a cause and type a "
            "repair with exercises.check_fix(lab, {...}, cause=...) first, then ask again."
        )
    if lab not in _RAN:  # the seed's ping once, so that the run shows the fault
        _RAN.add(lab)
        run_traffic(lab)
    return diagnose(lab)


__all__ = [
    "FAMILIES",
    "FIXES",
    "MYSTERIES",
    "Troubleshoot",
    "check_fix",
    "mystery_diagnosis",
    "mystery_fault",
    "mystery_lab",
]
