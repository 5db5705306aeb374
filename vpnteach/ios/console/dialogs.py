"""The seed's interactive dialogues at ``Router(config)#``, as generators (sans-IO).

A dialogue yields :class:`Ask` (text to print, then the question) and is sent each answer; its
return value is what is printed last. Texts are IOS 12.4's (Cisco IOS Security Configuration
Guide, "Configuring Certificate Enrollment for a PKI" and "Deploying RSA Keys Within a PKI"),
as the seed shows them::

    Branch1(config)# crypto pki authenticate WIN2003
    Certificate has the following attributes:
    Fingerprint MD5: 7D39EB83 CE48ECF4 91E5E5F7 A0022760
    Fingerprint SHA1: D27CD5D2 865FC153 26CA66A2 197AABF6 922510BF
    % Do you accept this certificate? [yes/no]: yes
    Trustpoint CA certificate accepted.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from dataclasses import dataclass

from vpnteach.ios.argtypes import MODULUS_EXPECTED, modulus_ok
from vpnteach.ios.console.device import ConsoleDevice, EnrollAnswers
from vpnteach.ios.errors import ExecError


@dataclass(frozen=True)
class Ask:
    """Print ``text``, then ask ``question``; ``secret``: do not echo the answer."""

    text: str
    question: str
    secret: bool = False


Dialogue = Generator[Ask, str, str]


def yes_no(question: str, text: str = "") -> Generator[Ask, str, bool]:
    """``[yes/no]``: ask until the answer is a prefix of yes or no (IOS re-asks)."""
    while True:
        answer = (yield Ask(text, question)).strip().lower()
        if answer and "yes".startswith(answer):
            return True
        if answer and "no".startswith(answer):
            return False
        text = "% Please answer 'yes' or 'no'."


def authenticate(device: ConsoleDevice, trustpoint: str) -> Dialogue:
    """``crypto pki authenticate NAME``: the fingerprints, then accept or refuse."""
    offer = device.offer_ca(trustpoint)
    text = "\n".join(
        [
            "Certificate has the following attributes:",
            f"Fingerprint MD5: {offer.md5}",
            f"Fingerprint SHA1: {offer.sha1}",
        ]
    )
    accepted = yield from yes_no("% Do you accept this certificate? [yes/no]: ", text)
    return offer.accept(accepted)


_START = """%
% Start certificate enrollment ..
% Create a challenge password. You will need to verbally provide this
   password to the CA Administrator in order to revoke your certificate.
   For security reasons your password will not be saved in the configuration.
   Please make a note of it.

"""


def enroll(device: ConsoleDevice, trustpoint: str) -> Dialogue:
    """``crypto pki enroll NAME``: challenge password twice, serial number, IP address,
    then the request (the certificate arrives later, unsolicited). A trustpoint that cannot
    enroll (not authenticated, no key) is refused before any question, as IOS does."""
    device.check_enrollment(trustpoint)
    text = _START
    while True:
        first = yield Ask(text, "Password: ", secret=True)
        again = yield Ask("", "Re-enter password: ", secret=True)
        if first == again:
            break
        text = "% Password mismatch - please try again."
    subject = f"\n% The subject name in the certificate will include: {device.fqdn()}"
    serial = yield from yes_no(
        "% Include the router serial number in the subject name? [yes/no]: ", subject
    )
    said = ""
    if serial:
        said = f"% The serial number in the certificate will be: {device.serial_number()}"
    address = yield from _ip_address(device, said)
    request = yield from yes_no("Request certificate from CA? [yes/no]: ")
    if not request:
        return "% Enrollment cancelled."
    sent, _ = device.enroll(EnrollAnswers(trustpoint, serial, address))
    return sent


def _ip_address(device: ConsoleDevice, text: str) -> Generator[Ask, str, str | None]:
    """``% Include an IP address in the subject name? [no]:`` (empty answer: no), after
    ``text``."""
    while True:
        answer = (yield Ask(text, "% Include an IP address in the subject name? [no]: ")).strip()
        text = ""
        if not answer or "no".startswith(answer.lower()):
            return None
        if "yes".startswith(answer.lower()):
            break
    text = ""
    while True:
        given = (yield Ask(text, "Enter Interface name or IP Address[]: ")).strip()
        address = device.address_of(given) if given else None
        if address is not None:
            return address
        text = f"% Interface or address {given!r} not found on this router."


def generate_rsa(label: str) -> Generator[Ask, str, int]:
    """``crypto key generate rsa`` without ``modulus``: IOS asks for the size (its default is
    512 bits; vpnteach's keys start at 1024, so the default offered is 1024)."""
    text = (
        f"The name for the keys will be: {label}\n"
        "Choose the size of the key modulus in the range of 360 to 4096 for your\n"
        "  General Purpose Keys. Choosing a key modulus greater than 512 may take\n"
        "  a few minutes.\n"
    )
    while True:
        answer = (yield Ask(text, "How many bits in the modulus [1024]: ")).strip()
        if not answer:
            return 1024
        if answer.isascii() and answer.isdigit() and modulus_ok(int(answer)):
            return int(answer)
        text = f"% Key modulus: {MODULUS_EXPECTED}."


def script(dialogue: Dialogue, answers: Sequence[str]) -> str:
    """Run ``dialogue`` with ``answers`` typed in turn: the text a captured console session
    shows (each question followed by its answer; a secret answer is not echoed).

    Raises:
        ExecError: the dialogue's own refusal, or it asked more than ``answers`` holds.
    """
    out: list[str] = []
    pending = list(answers)
    try:
        ask = next(dialogue)
        while True:
            if not pending:
                dialogue.close()
                raise ExecError(f"% no scripted answer for {ask.question.strip()!r}")
            answer = pending.pop(0)
            echoed = "" if ask.secret else answer
            out.append(f"{ended(ask.text)}{ask.question}{echoed}\n")
            ask = dialogue.send(answer)
    except StopIteration as done:
        out.append(ended(done.value))
    return "".join(out)


def ended(text: str) -> str:
    """``text`` ending in a newline (unless empty): how the console prints a block."""
    return text if not text or text.endswith("\n") else text + "\n"
