"""Config rendering of tests/interop/strongswan.py (no root needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.interop.strongswan import Connection, render_strongswan_conf, render_swanctl_conf


def _conn(auth: str = "pubkey", psk: str | None = None) -> Connection:
    return Connection(
        "vpn",
        "10.1.1.1",
        "10.2.2.1",
        "Branch1.amit.com",
        "Branch2.amit.com",
        "192.168.11.0/24",
        "192.168.22.0/24",
        auth=auth,
        psk=psk,
    )


def test_psk_connection_gets_a_secrets_entry_for_both_ids() -> None:
    text = render_swanctl_conf([_conn(auth="psk", psk="cisco123")])
    secrets = text[text.index("secrets {") :]
    assert "id-1 = Branch1.amit.com" in secrets and "id-2 = Branch2.amit.com" in secrets
    assert 'secret = "cisco123"' in secrets


def test_pubkey_connection_without_certificate_is_refused() -> None:
    with pytest.raises(ValueError, match="auth = pubkey needs cert and cacert"):
        render_swanctl_conf([_conn()])


def test_kernel_libipsec_is_loaded_before_kernel_netlink() -> None:
    conf = render_strongswan_conf(Path("/tmp/x.vici"), Path("/tmp/x.log"))
    load = next(line for line in conf.splitlines() if line.strip().startswith("load ="))
    assert load.index("kernel-libipsec") < load.index("kernel-netlink")
    assert "ike = 4" in conf and "chd = 4" in conf
