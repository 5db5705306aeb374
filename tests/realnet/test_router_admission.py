"""``vpnteach router run``'s half-open options and the config's admission limit, without root."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from tests.realnet.harness import write_configs
from vpnteach.gateway import Ikev2Gateway
from vpnteach.ike.admission import DEFAULT_IN_NEGOTIATION, HalfOpenLimits
from vpnteach.labs.seed import ikev2_commands
from vpnteach.router.cli import build_parser, half_open_limits, load_config, main_router
from vpnteach.router.process import RouterProcess

LIMIT_LINE = "crypto call admission limit ike in-negotiation-sa 300\n"
IKEV2_PSK = ikev2_commands("Branch1", "pre-share")


def _args(*extra: str) -> argparse.Namespace:
    return build_parser().parse_args(["run", "--config", "b1.cfg", *extra])


def test_the_limits_come_from_the_options_over_the_config_over_ios_defaults(
    tmp_path: Path,
) -> None:
    plain = load_config(write_configs(tmp_path, "Branch1"))
    limited = load_config(write_configs(tmp_path, "Branch1", extra=LIMIT_LINE))
    assert half_open_limits(plain, _args()) == HalfOpenLimits(DEFAULT_IN_NEGOTIATION, 5, 90.0)
    assert half_open_limits(limited, _args()).in_negotiation == 300
    options = _args("--in-negotiation-sa", "50", "--half-open-per-source", "2",
                    "--half-open-timeout", "10")  # fmt: skip
    assert half_open_limits(limited, options) == HalfOpenLimits(50, 2, 10.0, 10.0)
    router = RouterProcess(limited, half_open=half_open_limits(limited, options))
    assert router.gateway.ike.config.half_open == HalfOpenLimits(50, 2, 10.0, 10.0)


def test_the_half_open_timeout_option_reaches_the_ikev2_engine_too(tmp_path: Path) -> None:
    ikev2 = load_config(write_configs(tmp_path, "Branch1", extra=IKEV2_PSK))
    plain = RouterProcess(ikev2, half_open=half_open_limits(ikev2, _args()))
    assert isinstance(plain.gateway, Ikev2Gateway)
    assert plain.gateway.v2.config.half_open_timeout == 30.0  # the IKEv2 engine's default
    options = _args("--half-open-timeout", "12")
    router = RouterProcess(ikev2, half_open=half_open_limits(ikev2, options))
    assert isinstance(router.gateway, Ikev2Gateway)
    assert router.gateway.v2.config.half_open_timeout == 12.0


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--in-negotiation-sa", "5"], "--in-negotiation-sa 5: IOS accepts 10 to 99999"),
        (["--half-open-per-source", "0"], "half-open limits must be at least 1"),
        (["--half-open-timeout", "0"], "half-open timeout must be above 0 s"),
    ],
)
def test_a_bad_value_is_refused_before_anything_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], option: list[str], message: str
) -> None:
    configs = [str(p) for p in write_configs(tmp_path, "Branch1")]
    status = main_router(["run", "--config", configs[0], "--allow-weak", *option])
    assert status == 1
    assert message in capsys.readouterr().err
