"""PKI exercises: the fingerprint to compare at ``crypto pki authenticate``, certificate
validity on each router's clock, a CRL, and the FQDN identity against the certificate.

Rules: RFC 5280 §4.1.2.5 (validity, judged on the *validating* router's clock), §5 and §6.3
(a CRL lists revoked serial numbers; past its nextUpdate it is stale and a router that checks
revocation refuses what it cannot check), RFC 4945 §3.1 (the ID sent must match the
certificate), IOS's ``crypto pki authenticate`` prompt (MD5 and SHA-1 fingerprints of the DER
certificate, :func:`vpnteach.pki.show.fingerprint`).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID

from vpnteach.crypto.rng import SeededRng, random_int_below
from vpnteach.exercises.answers import AnswerFormatError, parse_yes_no_list
from vpnteach.exercises.base import Exercise, HexExercise, Mistake
from vpnteach.exercises.keys import pick
from vpnteach.exercises.stepping import parse_tokens
from vpnteach.pki.ca import AEST, windows_serial
from vpnteach.pki.keys import rsa_private_key
from vpnteach.pki.show import fingerprint, ios_date, ios_serial

UTC = dt.timezone.utc

# --------------------------------------------------------------------------- fingerprint


@dataclass(frozen=True)
class FingerprintParams:
    der: bytes


def _ca_certificate(rng: SeededRng) -> x509.Certificate:
    """A self-signed CA certificate named like the seed's (its key and dates the learner's)."""
    # one of a few CA keys (an RSA key generation per learner is slow); the certificate,
    # hence its fingerprint, is still the learner's own (name, serial, dates)
    key = rsa_private_key(1024, SeededRng(f"vpnteach-practice-ca-{random_int_below(rng, 8)}"))
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, pick(rng, ("WIN2003", "AMIT-CA")))])
    start = dt.datetime(2010, 5, 1 + random_int_below(rng, 28), 3, 31, 18, tzinfo=UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(int.from_bytes(rng.random_bytes(16), "big") >> 1)
        .not_valid_before(start)
        .not_valid_after(start.replace(year=2020))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
    )
    return builder.sign(key, hashes.SHA256())


class CaFingerprint(HexExercise[FingerprintParams]):
    """The MD5 fingerprint IOS shows at ``crypto pki authenticate``."""

    id = "ca_fingerprint"
    title = "The fingerprint to compare before you say yes"
    kind = "compute"
    answer_name = "the MD5 fingerprint"
    answer_format = "hex (IOS prints it in groups of 8 digits; spaces are fine)"
    hint_ladder = (
        "A certificate's fingerprint is a hash of the whole certificate in its binary (DER) "
        "form, the same bytes that travel: not of the PEM text, not of the key alone.",
        "PEM is Base64 of the DER between the BEGIN and END lines: decode it back to bytes.",
        "IOS shows 'Fingerprint MD5:' and 'Fingerprint SHA1:': this question asks the MD5 one.",
    )

    @classmethod
    def _make_params(cls, rng: SeededRng) -> FingerprintParams:
        cert = _ca_certificate(rng)
        return FingerprintParams(cert.public_bytes(serialization.Encoding.DER))

    def _cert(self, p: FingerprintParams) -> x509.Certificate:
        return x509.load_der_x509_certificate(p.der)

    def _pem(self, p: FingerprintParams) -> bytes:
        return self._cert(p).public_bytes(serialization.Encoding.PEM)

    def _givens(self, p: FingerprintParams) -> list[tuple[str, Any]]:
        return [("the CA certificate (from the CA's web page)", self._pem(p).decode().strip())]

    def _question(self, p: FingerprintParams) -> str:
        return (
            "You type 'crypto pki authenticate WIN2003' on Branch1. Before answering yes, you "
            "compare the fingerprint IOS prints with the one of the certificate the CA "
            "administrator gave you (below). Compute the MD5 fingerprint IOS should print."
        )

    def _solve(self, p: FingerprintParams) -> bytes:
        return bytes.fromhex(fingerprint(self._cert(p), "md5").replace(" ", ""))

    def _mistakes(self, p: FingerprintParams) -> list[Mistake[bytes]]:
        cert, pem = self._cert(p), self._pem(p)
        body = b"".join(pem.splitlines()[1:-1])
        spki = cert.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        md5 = hashlib.md5
        return [
            Mistake("pem_text", md5(pem).digest(),
                    "That hashes the PEM text: the fingerprint is over the DER bytes (Base64-"
                    "decode what is between the BEGIN and END lines)."),
            Mistake("base64_text", md5(body).digest(),
                    "That hashes the Base64 characters: decode them to the DER bytes first."),
            Mistake("sha1", hashlib.sha1(p.der).digest(),
                    "That is the SHA-1 fingerprint (IOS prints it too): the question asks "
                    "the MD5 one."),
            Mistake("public_key", md5(spki).digest(),
                    "That hashes only the public key: the fingerprint covers the whole "
                    "certificate (names, dates, key and the CA's signature)."),
            Mistake("tbs_only", md5(cert.tbs_certificate_bytes).digest(),
                    "That hashes the signed part only: the fingerprint covers the whole DER "
                    "certificate, signature included."),
        ]  # fmt: skip


def _decode_pem(text: str) -> bytes:
    """The DER inside PEM text (for tests and hints)."""
    return base64.b64decode("".join(text.strip().splitlines()[1:-1]))


# --------------------------------------------------------------------------- validity

VERDICTS = ("OK", "NOT_YET_VALID", "EXPIRED")


@dataclass(frozen=True)
class ValidityParams:
    b1_cert: tuple[dt.datetime, dt.datetime]
    b2_cert: tuple[dt.datetime, dt.datetime]
    b1_clock: dt.datetime
    b2_clock: dt.datetime


def _verdict(span: tuple[dt.datetime, dt.datetime], now: dt.datetime) -> str:
    """RFC 5280 §4.1.2.5: notBefore <= now <= notAfter."""
    if now < span[0]:
        return "NOT_YET_VALID"
    return "EXPIRED" if now > span[1] else "OK"


def _utc(when: dt.datetime) -> str:
    return f"{when.astimezone(UTC):%b %d %H:%M:%S %Y} GMT"


class CertValidity(Exercise[ValidityParams, tuple[str, ...]]):
    """Which router refuses which certificate, on which clock (clock skew, expiry)."""

    id = "cert_validity"
    title = "Clock skew or expiry? Each router judges on its own clock"
    kind = "predict"
    answer_format = "two words from ok, not_yet_valid, expired: Branch1's verdict, Branch2's"
    hint_ladder = (
        "In MM5/MM6 each router receives the *peer's* certificate and checks it.",
        "It checks it against its *own* clock: notBefore <= now <= notAfter (RFC 5280).",
        "openssl prints the dates in GMT; show clock prints AEST, 10 hours ahead of GMT.",
    )

    @classmethod
    def _make_params(cls, rng: SeededRng) -> ValidityParams:
        a = dt.datetime(2010, 6, 4, 18, 0, 18, tzinfo=UTC) + dt.timedelta(
            hours=random_int_below(rng, 20)
        )
        b = a + dt.timedelta(days=40 + random_int_below(rng, 100))  # Branch2 re-enrolled later
        b1 = (a - dt.timedelta(minutes=10), a.replace(year=2011))
        b2 = (b - dt.timedelta(minutes=10), b.replace(year=b.year + 1))
        now = b + dt.timedelta(days=3 + random_int_below(rng, 30))
        between = a + (b - a) / 2  # a clock set back to before Branch2's enrollment
        hours = dt.timedelta(hours=1 + random_int_below(rng, 8))
        late = b1[1] + dt.timedelta(days=1 + random_int_below(rng, 20))  # b1 over, b2 not
        early = b2[0] - hours  # before Branch2's certificate, but not if AEST is read as GMT
        b1_clock, b2_clock = pick(
            rng, ((now, between), (late, between), (early, late), (early, between))
        )
        return ValidityParams(b1, b2, b1_clock, b2_clock)

    def _givens(self, p: ValidityParams) -> list[tuple[str, Any]]:
        def show(span: tuple[dt.datetime, dt.datetime]) -> str:
            return f"Not Before: {_utc(span[0])}\nNot After : {_utc(span[1])}"

        def clock(when: dt.datetime) -> str:
            local = when.astimezone(AEST)
            return f"*{local:%H:%M:%S}.000 AEST {local:%a %b} {local.day} {local.year}"

        return [
            ("Branch1's certificate (openssl x509 -text)", show(p.b1_cert)),
            ("Branch2's certificate (openssl x509 -text)", show(p.b2_cert)),
            ("Branch1# show clock", clock(p.b1_clock)),
            ("Branch2# show clock", clock(p.b2_clock)),
        ]

    def _question(self, p: ValidityParams) -> str:
        return (
            "Neither router runs NTP (the * in show clock). In Main Mode each router checks the "
            "certificate it receives. What does Branch1 conclude about the certificate it "
            "receives, and what does Branch2 conclude about the one it receives?"
        )

    def _read(self, answer: object) -> tuple[str, ...]:
        tokens = parse_tokens(answer, 2, "Branch1's verdict, Branch2's verdict")
        if not all(t in VERDICTS for t in tokens):
            raise AnswerFormatError("each verdict is ok, not_yet_valid or expired")
        return tokens

    def _solve(self, p: ValidityParams) -> tuple[str, ...]:
        return _verdict(p.b2_cert, p.b1_clock), _verdict(p.b1_cert, p.b2_clock)

    def _mistakes(self, p: ValidityParams) -> list[Mistake[tuple[str, ...]]]:
        naive = dt.timedelta(hours=10)  # AEST read as if it were GMT
        return [
            Mistake("own_certificate", (_verdict(p.b1_cert, p.b1_clock),
                                        _verdict(p.b2_cert, p.b2_clock)),
                    "Each router judged its own certificate: it checks the peer's, received "
                    "in MM5 or MM6."),
            Mistake("owner_clock", (_verdict(p.b2_cert, p.b2_clock),
                                    _verdict(p.b1_cert, p.b1_clock)),
                    "You used the clock of the certificate's owner: the router that *checks* "
                    "decides, on its own clock."),
            Mistake("timezone_ignored", (_verdict(p.b2_cert, p.b1_clock + naive),
                                         _verdict(p.b1_cert, p.b2_clock + naive)),
                    "show clock is AEST (GMT+10) and openssl prints GMT: convert before "
                    "comparing."),
        ]  # fmt: skip

    def _show_answer(self, value: tuple[str, ...]) -> str:
        return " ".join(v.lower() for v in value)


# --------------------------------------------------------------------------- CRL


@dataclass(frozen=True)
class CrlParams:
    serials: tuple[int, ...]
    revoked: tuple[int, ...]
    last_update: dt.datetime
    next_update: dt.datetime
    clock: dt.datetime


class CrlCheck(Exercise[CrlParams, tuple[bool, ...]]):
    """Which peers' certificates a router with ``revocation-check crl`` accepts."""

    id = "crl_check"
    title = "Read the CRL: which peers get in?"
    kind = "predict"
    answer_format = "yes or no per peer (certificate accepted?), e.g. 'yes no yes yes'"
    hint_ladder = (
        "A CRL lists the serial numbers the CA revoked: a listed certificate is refused.",
        "Windows CA serials share their first digits (a clock tick): compare all of them.",
        "A CRL is only good until its NextUpdate. After that it is stale: a router with "
        "revocation-check crl cannot check anything and refuses every certificate.",
    )

    @classmethod
    def _make_params(cls, rng: SeededRng) -> CrlParams:
        tick = 0x6100_0000 + random_int_below(rng, 0x00FF_FFFF)
        ids: list[int] = []
        while len(ids) < 7:
            request = 3 + random_int_below(rng, 40)
            ids += [] if request in ids else [request]
        serials = [windows_serial(tick, 0, i) for i in ids]
        peers = serials[:4]
        listed = {peers[random_int_below(rng, 4)], peers[random_int_below(rng, 4)]}
        revoked = tuple(sorted(set(serials[4:]) | listed))
        last = dt.datetime(2010, 6, 6, 0, 5, tzinfo=UTC) + dt.timedelta(
            days=random_int_below(rng, 9)
        )
        next_update = last + dt.timedelta(days=7)
        stale = random_int_below(rng, 3) == 0
        clock = next_update + dt.timedelta(hours=5) if stale else last + dt.timedelta(days=3)
        order = sorted(range(4), key=lambda _: rng.random_bytes(4))
        return CrlParams(tuple(peers[i] for i in order), revoked, last, next_update, clock)

    def _givens(self, p: CrlParams) -> list[tuple[str, Any]]:
        entries = "\n".join(f"  Serial Number: {ios_serial(s)[2:]}" for s in p.revoked)
        return [
            ("Branch2# show crypto pki crls",
             f"CRL Issuer Name:\n    cn=WIN2003,dc=amit,dc=com\n"
             f"    LastUpdate: {ios_date(p.last_update, AEST)}\n"
             f"    NextUpdate: {ios_date(p.next_update, AEST)}\nRevoked Certificates:\n"
             f"{entries}"),
            ("Branch2# show clock", f".{ios_date(p.clock, AEST)}"),
            *((f"peer {n} certificate serial", ios_serial(s))
              for n, s in enumerate(p.serials, start=1)),
        ]  # fmt: skip

    def _question(self, p: CrlParams) -> str:
        return (
            "Branch2's trustpoint says 'revocation-check crl'. Four peers present certificates "
            "(each otherwise valid, issued by WIN2003). Which does Branch2 accept?"
        )

    def _read(self, answer: object) -> tuple[bool, ...]:
        return parse_yes_no_list(answer, 4, "one answer per peer")

    def _listed(self, p: CrlParams, serial: int, digits: int = 0) -> bool:
        text = ios_serial(serial)[2:]
        if digits:
            return any(ios_serial(r)[2:][:digits] == text[:digits] for r in p.revoked)
        return serial in p.revoked

    def _solve(self, p: CrlParams) -> tuple[bool, ...]:
        if p.clock > p.next_update:
            return (False,) * 4
        return tuple(not self._listed(p, s) for s in p.serials)

    def _mistakes(self, p: CrlParams) -> list[Mistake[tuple[bool, ...]]]:
        fresh = tuple(not self._listed(p, s) for s in p.serials)
        return [
            Mistake("stale_ignored", fresh,
                    "Look at the dates: the CRL is past its NextUpdate on Branch2's clock. A "
                    "stale CRL cannot prove anything is still good, so every certificate is "
                    "refused until a fresh CRL is fetched."),
            Mistake("prefix_match", tuple(not self._listed(p, s, 8) for s in p.serials),
                    "Windows CA serials start with the same digits (a clock tick): compare "
                    "the whole serial number, not its beginning."),
            Mistake("allow_list", tuple(not v for v in fresh),
                    "A CRL lists the *revoked* certificates: those are refused, the others "
                    "pass."),
        ]  # fmt: skip


# --------------------------------------------------------------------------- FQDN identity


@dataclass(frozen=True)
class IdentityParams:
    hostname: str
    domain: str
    config_domain: str | None
    address: str


class FqdnIdentity(Exercise[IdentityParams, tuple[str, ...]]):
    """The ID Branch1 sends in MM5 after a domain name change, and the peer's verdict."""

    id = "fqdn_identity"
    title = "Which identity is sent, and does it match the certificate?"
    kind = "predict"
    answer_format = "three words: the ID type, its value, accepted yes/no"
    hint_ladder = (
        "With rsa-sig IOS identifies itself by name: ID type FQDN, hostname.domain-name as "
        "the running configuration says *now* (not as it was at enrollment).",
        "Without an 'ip domain name' the FQDN is the bare hostname.",
        "The peer accepts the certificate only if the ID names what the certificate names "
        "(RFC 4945 §3.1); otherwise it answers INVALID_CERTIFICATE... (or refuses MM5).",
    )

    @classmethod
    def _make_params(cls, rng: SeededRng) -> IdentityParams:
        host = pick(rng, ("Branch1", "Branch3", "Edge1", "Site7"))
        domain = pick(rng, ("amit.com", "corp.example", "lab.test"))
        config = pick(rng, (None, domain, "amit.org", None, "example.net"))
        address = f"10.{1 + random_int_below(rng, 200)}.{random_int_below(rng, 250)}.1"
        return IdentityParams(host, domain, config, address)

    def _givens(self, p: IdentityParams) -> list[tuple[str, Any]]:
        lines = [f"hostname {p.hostname}"]
        if p.config_domain:
            lines.append(f"ip domain name {p.config_domain}")
        lines.append(f" ip address {p.address} 255.255.255.0")
        fqdn = f"{p.hostname}.{p.domain}"
        return [
            (f"{p.hostname}# show running-config (excerpt)", "\n".join(lines)),
            ("its certificate (enrolled last week)",
             f"Subject:\n    Name: {fqdn}\n    hostname={fqdn}\n"
             f"SubjectAltName: {fqdn.lower()}"),
        ]  # fmt: skip

    def _question(self, p: IdentityParams) -> str:
        return (
            f"{p.hostname} authenticates with rsa-sig. What identification payload does it "
            "send in MM5 (ID type, value), and does its peer accept its certificate for it?"
        )

    def _read(self, answer: object) -> tuple[str, ...]:
        tokens = parse_tokens(answer, 3, "ID type, value, yes/no")
        if tokens[2] not in ("YES", "NO"):
            raise AnswerFormatError("the third word is yes or no")
        return tokens[0].removeprefix("ID_"), tokens[1], tokens[2]

    def _sent(self, p: IdentityParams) -> str:
        name = f"{p.hostname}.{p.config_domain}" if p.config_domain else p.hostname
        return name.upper()

    def _solve(self, p: IdentityParams) -> tuple[str, ...]:
        sent, cert = self._sent(p), f"{p.hostname}.{p.domain}".upper()
        return "FQDN", sent, "YES" if sent == cert else "NO"

    def _mistakes(self, p: IdentityParams) -> list[Mistake[tuple[str, ...]]]:
        _, sent, verdict = self._solve(p)
        cert = f"{p.hostname}.{p.domain}".upper()
        flipped = "NO" if verdict == "YES" else "YES"
        return [
            Mistake("certificate_name", ("FQDN", cert, "YES"),
                    "The ID comes from the running configuration now, not from the "
                    "certificate: IOS builds it from hostname and ip domain name."),
            Mistake("address_id", ("IPV4_ADDR", p.address, "YES"),
                    "With rsa-sig certificates IOS sends its name (ID_FQDN); the address is "
                    "what pre-shared keys use."),
            Mistake("verdict_flipped", ("FQDN", sent, flipped),
                    "You have the ID right; compare it with the certificate's name again "
                    "(they must be the same name)."),
        ]  # fmt: skip
