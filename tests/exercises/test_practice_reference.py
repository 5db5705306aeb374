"""The practice exercises' right answers, computed here from what the statement gives, without
vpnteach: ``hmac``/``hashlib`` for the hashes (RFC 2409 §5, §5.5; RFC 3947 §3.2), ``openssl``
for the fingerprint, the RFC 4303 window rule, the IOS timer, and the seed's recorded debug
logs (``tests/fixtures/golden``) for the states. Each test also gives the typical mistakes,
computed here too, and expects the mistake's own message. Three learners each.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from tests.conftest import require
from tests.exercises.conftest import LEARNERS
from vpnteach import exercises

DIGEST = {"MD5": hashlib.md5, "SHA": hashlib.sha1}
GOLDEN = Path(__file__).resolve().parents[1] / "fixtures" / "golden"


def prf(name: str, key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, DIGEST[name]).digest()


def body(payload: bytes) -> bytes:
    """A payload without its 4-byte generic header (RFC 2408 §3.2)."""
    return payload[4:]


def payloads(chain: bytes) -> list[bytes]:
    """The payloads of an encoded chain, each whole (length from its generic header)."""
    out, i = [], 0
    while i < len(chain):
        length = int.from_bytes(chain[i + 2 : i + 4], "big")
        out.append(chain[i : i + length])
        i += length
    return out


def expect(ex: exercises.Exercise, answer: object, mistake: str | None) -> None:  # type: ignore[type-arg]
    feedback = ex.check(answer)
    assert feedback.correct == (mistake is None), (answer, feedback)
    assert feedback.mistake == mistake, (mistake, feedback)


def distinct_messages(ex: exercises.Exercise, answers: list[object]) -> None:  # type: ignore[type-arg]
    messages = [ex.check(a).message for a in answers]
    assert len(set(messages)) == len(messages)


# --------------------------------------------------------------------------- hashes


@pytest.mark.parametrize("learner", LEARNERS)
def test_hash_r(learner: str) -> None:
    ex = exercises.get("hash_r", learner)
    g = ex.given
    h, key = g["hash"], g["SKEYID"]
    gi, gr, ci, cr = (
        g["g^xi (Branch1's KE, MM3)"],
        g["g^xr (Branch2's KE, MM4)"],
        g["CKY-I"],
        g["CKY-R"],
    )
    sa1, sa2, idr = g["SA payload of MM1"], g["SA payload of MM2"], g["IDir payload (MM6)"]
    # HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b)
    expect(ex, prf(h, key, gr + gi + cr + ci + body(sa1) + body(idr)).hex(), None)
    hash_i = prf(h, key, gi + gr + ci + cr + body(sa1) + body(idr))
    expect(ex, hash_i, "hash_i_formula")
    expect(ex, prf(h, key, gr + gi + cr + ci + body(sa2) + body(idr)), "sa_of_mm2")
    expect(ex, prf(h, key, gr + gi + cr + ci + body(sa1) + idr), "idir_with_header")
    distinct_messages(ex, [hash_i, prf(h, key, gr + gi + cr + ci + body(sa2) + body(idr))])


def _qm(ex: exercises.Exercise) -> tuple[str, bytes, bytes, bytes]:  # type: ignore[type-arg]
    g = ex.given
    return g["hash"], g["SKEYID_a"], g["SKEYID_e"], g["M-ID (ISAKMP header)"]


@pytest.mark.parametrize("learner", LEARNERS)
def test_qm_hash1(learner: str) -> None:
    ex = exercises.get("qm_hash1", learner)
    h, a, e, mid = _qm(ex)
    after = ex.given["QM1 after the HASH payload: SA | Ni | IDci | IDcr"]
    assert len(payloads(after)) == 4
    # HASH(1) = prf(SKEYID_a, M-ID | SA | Ni [| KE] [| IDci | IDcr])
    expect(ex, prf(h, a, mid + after), None)
    expect(ex, prf(h, e, mid + after), "skeyid_e_key")
    expect(ex, prf(h, a, after), "no_m_id")
    expect(ex, prf(h, a, mid + b"".join(body(p) for p in payloads(after))), "bodies_only")


@pytest.mark.parametrize("learner", LEARNERS)
def test_qm_hash2(learner: str) -> None:
    ex = exercises.get("qm_hash2", learner)
    h, a, _, mid = _qm(ex)
    ni = ex.given["Ni payload (from QM1)"]
    after = ex.given["QM2 after the HASH payload: SA | Nr | IDci | IDcr"]
    nr = payloads(after)[1]
    # HASH(2) = prf(SKEYID_a, M-ID | Ni_b | SA | Nr [| KE] [| IDci | IDcr])
    expect(ex, prf(h, a, mid + body(ni) + after).hex().upper(), None)
    expect(ex, prf(h, a, mid + after), "hash1_formula")
    expect(ex, prf(h, a, mid + ni + after), "ni_with_header")
    expect(ex, prf(h, a, mid + body(nr) + after), "nr_instead_of_ni")


@pytest.mark.parametrize("learner", LEARNERS)
def test_qm_hash3(learner: str) -> None:
    ex = exercises.get("qm_hash3", learner)
    h, a, _, mid = _qm(ex)
    ni, nr = body(ex.given["Ni payload (from QM1)"]), body(ex.given["Nr payload (from QM2)"])
    # HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b)
    expect(ex, prf(h, a, b"\0" + mid + ni + nr), None)
    expect(ex, prf(h, a, mid + ni + nr), "no_zero_octet")
    expect(ex, prf(h, a, b"\0" + mid + nr + ni), "nonces_swapped")


def _keymat(h: str, key: bytes, seed: bytes, size: int) -> bytes:
    blocks = [prf(h, key, seed)]
    while sum(map(len, blocks)) < size:
        blocks.append(prf(h, key, blocks[-1] + seed))
    return b"".join(blocks)[:size]


@pytest.mark.parametrize("learner", LEARNERS)
def test_keymat_direction(learner: str) -> None:
    ex = exercises.get("keymat_direction", learner)
    g = ex.given
    show = g["Branch2# show crypto ipsec sa (excerpt)"]
    inbound = bytes.fromhex(re.search(r"inbound esp sas:\s+spi: 0x(\w+)", show)[1])  # type: ignore[index]
    outbound = bytes.fromhex(re.search(r"outbound esp sas:\s+spi: 0x(\w+)", show)[1])  # type: ignore[index]
    enc, auth = map(
        int, re.search(r"\((\d+)-byte encryption key, (\d+)-byte", ex.statement.text).groups()
    )  # type: ignore[union-attr]
    h, key, ni, nr = (
        g["phase-1 hash"],
        g["SKEYID_d"],
        g["Ni_b (Branch1 initiated Quick Mode)"],
        g["Nr_b"],
    )
    # Branch2 -> Branch1 uses Branch2's outbound SA: KEYMAT = prf(SKEYID_d, 3 | SPI | Ni_b | Nr_b)
    right = _keymat(h, key, b"\x03" + outbound + ni + nr, enc + auth)
    expect(ex, right[enc:], None)
    expect(ex, _keymat(h, key, b"\x03" + inbound + ni + nr, enc + auth)[enc:], "inbound_spi")
    expect(ex, right[:auth], "encryption_part")
    expect(ex, _keymat(h, key, b"\x03" + outbound + nr + ni, enc + auth)[enc:], "nonces_swapped")


@pytest.mark.parametrize("learner", LEARNERS)
def test_nat_d(learner: str) -> None:
    ex = exercises.get("nat_d", learner)
    g = ex.given
    digest = DIGEST[g["negotiated hash"]]
    local, port = g["Branch1 (sender of MM3)"].split(" port ")
    peer = g["Branch2"].split(" port ")[0]
    ci, cr, p = g["CKY-I"], g["CKY-R"], int(port).to_bytes(2, "big")
    # RFC 3947 §3.2: HASH = HASH(CKY-I | CKY-R | IP | Port), the first one for the destination
    expect(ex, digest(ci + cr + socket.inet_aton(peer) + p).hexdigest(), None)
    expect(ex, digest(ci + cr + socket.inet_aton(local) + p).digest(), "own_address")
    expect(ex, digest(cr + ci + socket.inet_aton(peer) + p).digest(), "cookies_swapped")
    expect(ex, digest(ci + cr + socket.inet_aton(peer)).digest(), "port_missing")


# --------------------------------------------------------------------------- PKI


@pytest.mark.parametrize("learner", LEARNERS)
def test_ca_fingerprint_matches_openssl(learner: str, tmp_path: Path) -> None:
    require(shutil.which("openssl") is not None, "needs openssl")
    ex = exercises.get("ca_fingerprint", learner)
    pem = tmp_path / "ca.pem"
    pem.write_text(ex.given["the CA certificate (from the CA's web page)"] + "\n")

    def openssl(digest: str) -> str:
        command = ["openssl", "x509", "-in", str(pem), "-noout", "-fingerprint", f"-{digest}"]
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        return out.strip().split("=", 1)[1]

    expect(ex, openssl("md5"), None)  # colons, as openssl prints it
    expect(ex, openssl("sha1"), "sha1")
    expect(ex, hashlib.md5(pem.read_bytes()).digest(), "pem_text")


def _gmt(text: str) -> dt.datetime:
    return dt.datetime.strptime(text.strip(), "%b %d %H:%M:%S %Y GMT").replace(
        tzinfo=dt.timezone.utc
    )


def _aest(text: str) -> dt.datetime:
    found = re.search(r"(\d\d:\d\d:\d\d)(?:\.\d+)? AEST (?:\w{3} )?(\w{3}) (\d+) (\d+)", text)
    assert found is not None, text
    local = dt.datetime.strptime(" ".join(found.groups()), "%H:%M:%S %b %d %Y")
    return local.replace(tzinfo=dt.timezone(dt.timedelta(hours=10)))


@pytest.mark.parametrize("learner", LEARNERS)
def test_cert_validity(learner: str) -> None:
    ex = exercises.get("cert_validity", learner)
    g = ex.given

    def span(key: str) -> tuple[dt.datetime, dt.datetime]:
        before, after = re.findall(r": (.*GMT)", g[key])
        return _gmt(before), _gmt(after)

    def verdict(s: tuple[dt.datetime, dt.datetime], now: dt.datetime) -> str:
        return "not_yet_valid" if now < s[0] else "expired" if now > s[1] else "ok"

    b1, b2 = (
        span("Branch1's certificate (openssl x509 -text)"),
        span("Branch2's certificate (openssl x509 -text)"),
    )
    c1, c2 = _aest(g["Branch1# show clock"]), _aest(g["Branch2# show clock"])
    # RFC 5280 §4.1.2.5, each router on its own clock, on the certificate it receives
    right = f"{verdict(b2, c1)} {verdict(b1, c2)}"
    expect(ex, right, None)
    own = f"{verdict(b1, c1)} {verdict(b2, c2)}"
    if own != right:
        expect(ex, own, "own_certificate")


@pytest.mark.parametrize("learner", LEARNERS)
def test_crl_check(learner: str) -> None:
    ex = exercises.get("crl_check", learner)
    g = ex.given
    crl = g["Branch2# show crypto pki crls"]
    revoked = set(re.findall(r"Serial Number: (\w+)", crl))
    next_update = _aest(re.search(r"NextUpdate: (.*)", crl)[1])  # type: ignore[index]
    now = _aest(g["Branch2# show clock"])
    serials = [g[f"peer {n} certificate serial"][2:] for n in range(1, 5)]
    fresh = [s not in revoked for s in serials]
    right = [False] * 4 if now > next_update else fresh
    expect(ex, " ".join("yes" if v else "no" for v in right), None)
    if right != fresh:
        expect(ex, fresh, "stale_ignored")
    if any(fresh):  # reading the CRL as an allow list
        expect(ex, [not v for v in fresh], "allow_list")


@pytest.mark.parametrize("learner", LEARNERS)
def test_fqdn_identity(learner: str) -> None:
    ex = exercises.get("fqdn_identity", learner)
    lines = next(v for k, v in ex.given.items() if "running-config" in k)
    host = re.search(r"hostname (\S+)", lines)[1]  # type: ignore[index]
    domain = re.search(r"ip domain name (\S+)", lines)
    address = re.search(r"ip address (\S+)", lines)[1]  # type: ignore[index]
    cert = re.search(r"hostname=(\S+)", ex.given["its certificate (enrolled last week)"])[1]  # type: ignore[index]
    sent = f"{host}.{domain[1]}" if domain else host  # RFC 4945 §3.1: the ID must match
    ok = "yes" if sent.lower() == cert.lower() else "no"
    expect(ex, f"ID_FQDN {sent} {ok}", None)
    expect(ex, f"IPV4_ADDR {address} yes", "address_id")
    expect(ex, f"FQDN {sent} {'no' if ok == 'yes' else 'yes'}", "verdict_flipped")


# --------------------------------------------------------------------------- predictions

KEY_BYTES = {"des": 8, "3des": 24, "aes": 16, "aes 256": 32}
GROUP_BITS = {"1": 768, "2": 1024, "5": 1536}  # RFC 2409 §6.1-6.2, RFC 3526 §2
ESP_KEY = {"esp-des": 8, "esp-3des": 24, "esp-aes": 16, "esp-aes 256": 32}


@pytest.mark.parametrize("learner", LEARNERS)
def test_key_sizes(learner: str) -> None:
    ex = exercises.get("key_sizes", learner)
    policy = ex.given["crypto isakmp policy 10"]
    enc = re.search(r"encryption (.+)", policy)[1].strip()  # type: ignore[index]
    hsize = 16 if "hash md5" in policy else 20
    group = re.search(r"group (\d)", policy)[1]  # type: ignore[index]
    ts = ex.given["crypto ipsec transform-set TS"]
    esp = re.match(r"(esp-\w+(?: 256)?) ", ts)[1]  # type: ignore[index]
    keymat = ESP_KEY[esp] + (16 if "md5" in ts else 20)
    right = (GROUP_BITS[group] // 8, hsize, KEY_BYTES[enc], keymat)
    expect(ex, " ".join(map(str, right)), None)
    expect(ex, [v * 8 for v in right], "bits_not_bytes")
    expect(ex, [*right[:3], ESP_KEY[esp]], "keymat_one_key")


def _golden_moves(router: str) -> list[tuple[str, str, str]]:
    """(old state, new state, state printed by the next 'sending packet') after each packet
    the router received, from the recorded seed log."""
    lines = (GOLDEN / f"debug-seed-{router}.txt").read_text().splitlines()
    moves = []
    for i, line in enumerate(lines):
        if "received packet" not in line:
            continue
        old, new = re.search(r"Old State = (\w+) New State = (\w+)", "\n".join(lines[i:])).groups()  # type: ignore[union-attr]
        after = [m[1] for m in re.finditer(r"New State = (\w+)", "\n".join(lines[i:]))]
        moves.append((old, new, after[2] if len(after) > 2 else after[-1]))
    return moves


COARSE = {"IKE_I_MM3": "MM_SA_SETUP", "IKE_I_MM5": "MM_KEY_EXCH", "IKE_P1_COMPLETE": "QM_IDLE",
          "IKE_R_MM2": "MM_SA_SETUP", "IKE_R_MM4": "MM_KEY_EXCH"}  # fmt: skip
"""IOS's show crypto isakmp sa states (MM_NO_STATE, MM_SA_SETUP, MM_KEY_EXCH, QM_IDLE)."""


@pytest.mark.parametrize("learner", [*LEARNERS, "l4", "l5", "l6", "l7"])
def test_next_state_from_the_recorded_seed_logs(learner: str) -> None:
    ex = exercises.get("next_state", learner)
    router = ex.given["router"].split()[0]
    state = ex.given["its state"].split()[0]
    message = ex.given["arrives"].split()[0]
    moves = {old: (new, final) for old, new, final in _golden_moves(router)}
    if state not in moves:  # the responder's first message makes its SA (IKE_READY)
        moves[state] = next((n, f) for o, n, f in _golden_moves(router) if o == "IKE_READY")
    new, final = moves[state]
    n = int(message[2])
    sent = f"MM{n + 1}" if n < 6 else ("QM1" if router == "Branch1" else "NONE")
    expect(ex, f"{new} {sent} {COARSE[final]}", None)
    expect(ex, f"{state} {sent} {COARSE[final]}", "old_state")


@pytest.mark.parametrize("learner", LEARNERS)
def test_retransmits(learner: str) -> None:
    ex = exercises.get("retransmits", learner)
    first = dt.datetime.strptime(
        re.search(r"(\d\d:\d\d:\d\d)\.", ex.given["Branch1 debug"])[1], "%H:%M:%S"
    )  # type: ignore[index]
    k = int(re.search(r"attempt (\d)", ex.given["retransmission asked"])[1])  # type: ignore[index]
    waits = [5 * 2**i for i in range(6)]  # 5, 10, 20, 40, 80 s, then 160 s and IOS gives up

    def at(seconds: int) -> str:
        return (first + dt.timedelta(seconds=seconds)).strftime("%H:%M:%S")

    expect(ex, f"{at(sum(waits[:k]))} {at(sum(waits))}", None)
    expect(ex, f"{at(waits[k - 1])} {at(waits[5])}", "not_cumulative")
    expect(ex, f"{at(5 * k)} {at(30)}", "no_backoff")


@pytest.mark.parametrize("learner", LEARNERS)
def test_anti_replay_follows_rfc_4303(learner: str) -> None:
    ex = exercises.get("anti_replay", learner)
    size = int(ex.given["replay window"].split()[0])
    top = int(ex.given["highest sequence number received so far"])
    seen = set(range(top - size + 1, top + 1))
    verdicts = []
    for seq in map(int, ex.given["then arrive, in this order (ICV good)"].split()):
        ok = seq > top or (seq > top - size and seq not in seen)  # RFC 4303 §3.4.3
        verdicts.append(ok)
        if ok:
            seen.add(seq)
            top = max(top, seq)
    expect(ex, " ".join("yes" if v else "no" for v in verdicts), None)


@pytest.mark.parametrize("learner", LEARNERS)
def test_ping_counters_match_a_real_lab_run(learner: str) -> None:
    from vpnteach.lab import Lab

    ex = exercises.get("ping_counters", learner)
    lab = Lab.seed()
    outputs = [lab.branch1.exec(v) for k, v in ex.given.items() if k.startswith("Branch1# (ping")]
    encaps = re.search(r"#pkts encaps: (\d+)", lab.branch1.exec("show crypto ipsec sa"))[1]  # type: ignore[index]
    decaps = re.search(r"#pkts decaps: (\d+)", lab.branch2.exec("show crypto ipsec sa"))[1]  # type: ignore[index]
    marks = re.search(r"\n([.!]+)\n", outputs[0])[1]  # type: ignore[index]
    assert marks.startswith(".")  # the seed's .!!!! story
    expect(ex, f"{encaps} {decaps} {marks.count('!')}", None)
    expect(ex, f"{int(encaps) + 1} {int(decaps) + 1} {marks.count('!') + 1}", "first_not_dropped")


def test_spi_rule_matches_the_recorded_seed_logs() -> None:
    b1 = (GOLDEN / "debug-seed-Branch1.txt").read_text()
    b2 = (GOLDEN / "debug-seed-Branch2.txt").read_text()
    inbound_b1 = re.search(
        r"inbound SA from 10.2.2.1 to 10.1.1.1[^\n]*\n[^\n]*\n[^\n]*has spi (0x\w+)", b1
    )[1]  # type: ignore[index]
    outbound_b2 = re.search(
        r"outbound SA from 10.2.2.1 to 10.1.1.1[^\n]*\n[^\n]*\n[^\n]*has spi (0x\w+)", b2
    )[1]  # type: ignore[index]
    assert inbound_b1 == outbound_b2  # Branch2 sends with the SPI Branch1 chose


@pytest.mark.parametrize("learner", LEARNERS)
def test_spi_places(learner: str) -> None:
    ex = exercises.get("spi_places", learner)
    mine = re.search(r"0x\w+", ex.given["QM1 (Branch1 -> Branch2), SA payload"])[0]  # type: ignore[index]
    theirs = re.search(r"0x\w+", ex.given["QM2 (Branch2 -> Branch1), SA payload"])[0]  # type: ignore[index]
    expect(ex, f"{mine} {theirs} {mine}", None)
    expect(ex, f"{theirs} {mine} {theirs}", "swapped")
    expect(ex, f"{mine} {theirs} {theirs}", "reply_sender_spi")


# --------------------------------------------------------------------------- the debug log

FIND = {
    "accepted Branch1's proposal": r"atts are acceptable\.",
    "does not contain its IP address": r"Addr not in Cert",
    "verified Branch2's signature": r"SA has been authenticated",
    "sending MM3": r"sending packet .*\(I\) MM_SA_SETUP",
    "SPI Branch2 will put": r"^(?=.*has spi)",
    "runs Cisco IOS": r"another IOS box",
}


@pytest.mark.parametrize("learner", [*LEARNERS, "l4", "l5", "l6"])
def test_debug_line(learner: str) -> None:
    ex = exercises.get("debug_line", learner)
    text = next(iter(ex.given.values()))
    numbered = {int(line[:3]): line[4:] for line in text.splitlines()}
    key = next(k for k in FIND if k in ex.statement.text)
    found = [n for n, line in numbered.items() if re.search(FIND[key], line)]
    if key == "SPI Branch2 will put":  # the first SPI after "inbound SA"
        inbound = next(n for n, line in numbered.items() if "inbound SA from" in line)
        found = [n for n in found if n > inbound]
    expect(ex, str(found[0]), None)
    after = ex.check(f"line {found[0] + 1}")
    assert not after.correct and after.mistake in ("next_line", "decoy", "format")


STATE_SENT = {"MM_NO_STATE": "MM1", "MM_SA_SETUP": "MM3", "MM_KEY_EXCH": "MM5", "QM_IDLE": "QM1"}


@pytest.mark.parametrize("learner", LEARNERS)
def test_debug_refusal(learner: str) -> None:
    ex = exercises.get("debug_refusal", learner)
    lines = next(iter(ex.given.values())).splitlines()
    notify = next(i for i, line in enumerate(lines) if "processing NOTIFY" in line)
    sent = [line for line in lines[:notify] if "sending packet" in line][-1]
    message = STATE_SENT[sent.split()[-1]]
    expect(ex, f"{message} Branch2", None)
    expect(ex, f"{message} Branch1", "receiver_blamed")
