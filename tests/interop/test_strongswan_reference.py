"""The strongSwan reference run: regenerate it in a temp dir (root) and check the committed one.

The regenerated run needs root, network namespaces, strongSwan and tshark: skipped locally
without them, failing in CI (``tests.conftest.require``). The committed fixtures only need tshark.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.strongswan import make_fixture, wireshark
from tests.interop.strongswan import Charon, Connection
from vpnteach.net import netns

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "strongswan"
FIELDS = [
    "udp.dstport",
    "isakmp.exchangetype",
    "isakmp.id.type",
    "isakmp.id.data.fqdn",
    "esp.spi",
    "esp.icv_good",
    "icmp.type",
    "_ws.expert.message",
]

# strongSwan pki encodes domainComponent as PrintableString (tag 19); RFC 4519 section 2.4 says
# IA5String (tag 22), so tshark flags the CA name in CERTREQ and CERT (MM4, MM5, MM6).
KNOWN_DC_WARNING = (
    "BER Error: String with tag=22 expected but class:UNIVERSAL(0) Primitive tag:19 was unexpected"
)


def _decrypted_rows(out: Path) -> list[dict[str, str]]:
    """One dict per frame of the capture, decrypted with the keys from the fixture's logs."""
    pcap, log = out / "capture.pcap", out / "initiator-charon.log"
    sas = (out / "initiator-list-sas.txt").read_text()
    esp = wireshark.esp_sas(log, sas, "10.1.1.1", "10.2.2.1")
    options = wireshark.tshark_options(wireshark.ike_uat(pcap, log), esp)
    return [
        dict(zip(FIELDS, row, strict=True))
        for row in wireshark.tshark_fields(pcap, FIELDS, options)
    ]


def _check_capture(out: Path) -> None:
    rows = _decrypted_rows(out)
    exchanges = [r["isakmp.exchangetype"] for r in rows]
    assert exchanges.count("2") == 6, "Main Mode: six messages"
    assert exchanges.count("32") == 3, "Quick Mode: three messages"
    mm56 = [r for r in rows if r["isakmp.exchangetype"] == "2" and r["isakmp.id.type"]]
    assert [(r["isakmp.id.type"], r["isakmp.id.data.fqdn"]) for r in mm56] == [
        ("2", "Branch1.amit.com"),
        ("2", "Branch2.amit.com"),
    ], "MM5/MM6 decrypt to ID_FQDN payloads"
    esp = [r for r in rows if r["esp.spi"]]
    assert len(esp) == 2 * make_fixture.PING_COUNT
    assert all(r["udp.dstport"] == "4500" and r["esp.icv_good"] == "1" for r in esp)
    assert [r["icmp.type"] for r in esp] == ["8", "0"] * make_fixture.PING_COUNT
    messages = {m for r in rows for m in r["_ws.expert.message"].split(",") if m}
    assert messages <= {KNOWN_DC_WARNING}, "tshark found nothing else to complain about"


@pytest.fixture(scope="module", params=sorted(make_fixture.PROFILES))
def regenerated(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    root_netns: None,
    strongswan: Path,
    tshark: str,
) -> make_fixture.FixtureResult:
    out = tmp_path_factory.mktemp("strongswan") / request.param
    return make_fixture.run_profile(make_fixture.PROFILES[request.param], out)


def test_regenerated_run_establishes_both_sides(regenerated: make_fixture.FixtureResult) -> None:
    for sas in (regenerated.initiator_sas, regenerated.responder_sas):
        assert "ESTABLISHED, IKEv1" in sas
        assert "INSTALLED, TUNNEL-in-UDP" in sas


def test_regenerated_run_pings_through_the_tunnel(regenerated: make_fixture.FixtureResult) -> None:
    assert regenerated.ping_received == make_fixture.PING_COUNT


def test_regenerated_capture_decrypts_with_logged_keys(
    regenerated: make_fixture.FixtureResult,
) -> None:
    _check_capture(regenerated.out)


@pytest.mark.parametrize("profile", sorted(make_fixture.PROFILES))
def test_committed_fixture_decrypts_with_logged_keys(profile: str, tshark: str) -> None:
    _check_capture(FIXTURES / profile)


def test_charon_helper_negotiates_psk_main_mode(
    root_netns: None, strongswan: Path, tmp_path: Path
) -> None:
    with netns.Topology() as topo:
        sides = []
        for site, peer, name in ((topo.left, topo.right, "b1"), (topo.right, topo.left, "b2")):
            conn = Connection(
                "psk",
                site.wan_ip,
                peer.wan_ip,
                site.wan_ip,
                peer.wan_ip,
                site.lan_cidr,
                peer.lan_cidr,
                auth="psk",
                psk="cisco123",
            )
            charon = Charon(site.ns, tmp_path / name, name=name)
            charon.write_config([conn])
            sides.append(charon)
        try:
            for charon in sides:
                charon.start()
                charon.load_all()
            sides[0].initiate("lan-lan", ike="psk")
            for charon in sides:
                assert "INSTALLED" in charon.list_sas()
            log = sides[0].log.read_text()
            assert "IKE_SA psk[1] established between 10.1.1.1" in log
            assert "class = pre-shared key" in log
        finally:
            for charon in sides:
                charon.stop()


def test_vpnteach_derives_what_a_fresh_strongswan_run_logged(
    regenerated: make_fixture.FixtureResult,
) -> None:
    """The key-material cross-checks of tests/ike, on a run made now, not the committed one."""
    from tests.ike.test_keymat_strongswan import check_all

    check_all(regenerated.out)
