"""Fixtures of the real-network tests: one PKI (CA + both branches) for the whole session."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.realnet.waits import Waits
from vpnteach.router.pki import enroll_files


@pytest.fixture(scope="session")
def pki_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``ca.cert.pem`` + Branch1/Branch2 certificates and keys, valid now (RSA 1024)."""
    folder = tmp_path_factory.mktemp("pki")
    enroll_files(folder, ["Branch1", "Branch2"])
    return folder


@pytest.fixture
def realnet(root_netns: None) -> Iterator[Path]:
    """Root with working namespaces and ping; yields a short work directory (removed after).

    AF_UNIX paths are limited to 108 bytes and pytest's tmp paths can be long, so the router's
    control sockets (and logs, captures, key tables) live in a short directory under /tmp.
    """
    work = Path(tempfile.mkdtemp(prefix="vtrn-"))
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


@pytest.fixture(scope="session")
def waits(root_netns: None, strongswan: Path, pki_dir: Path) -> Iterator[Waits]:
    """The outcomes of the scenarios that wait out real lifetimes, run all at once
    (:mod:`tests.realnet.waits`); their work directories are removed at the end."""
    root = Path(tempfile.mkdtemp(prefix="vtwt-"))
    try:
        yield Waits(root, pki_dir)
    finally:
        shutil.rmtree(root, ignore_errors=True)
