"""IkeConfig's per-peer lookups (pre-shared key, crypto map entries) as IOS resolves them."""

from __future__ import annotations

from tests.ike.harness import SEED_TS, acl
from vpnteach.ike.config import IkeConfig
from vpnteach.ike.policy import CryptoMapEntry, PreSharedKey


def _entry(seq: int, peer: str) -> CryptoMapEntry:
    return CryptoMapEntry(
        "CRYPTO", seq, acl("192.168.11.0/24", f"192.168.{seq}.0/24"), peer, (SEED_TS,)
    )


def test_psk_for_takes_the_first_key_configured_for_the_address() -> None:
    keys = (
        PreSharedKey("one", "10.2.2.1"),
        PreSharedKey("two", "10.3.3.1"),
        PreSharedKey("late", "10.2.2.1"),
    )
    config = IkeConfig("10.1.1.1", pre_shared_keys=keys)
    assert config.psk_for("10.2.2.1") == b"one"
    assert config.psk_for("10.3.3.1") == b"two"
    assert config.psk_for("10.9.9.9") is None


def test_entries_for_keeps_the_configured_order_of_one_peer_s_entries() -> None:
    entries = (_entry(30, "10.2.2.1"), _entry(10, "10.3.3.1"), _entry(20, "10.2.2.1"))
    config = IkeConfig("10.1.1.1", crypto_map=entries)
    assert [e.seq for e in config.entries_for("10.2.2.1")] == [30, 20]
    assert [e.seq for e in config.entries_for("10.3.3.1")] == [10]
    assert config.entries_for("10.9.9.9") == ()
