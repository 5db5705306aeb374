"""What every fuzz target shares: argument handling, seed corpora, atheris instrumentation.

A target module defines ``test_one_input(data: bytes) -> None`` (raise on a bug, return on
anything acceptable) and ``seeds() -> list[bytes]``, and ends with ``main(...)``. Run it as

    python fuzz/fuzz_wire.py -atheris_runs=100000            # libFuzzer flags pass through
    python fuzz/fuzz_wire.py -max_total_time=60 my_corpus/
    python fuzz/fuzz_wire.py fuzz/crashes/wire/crash-1234    # replay one input

Without a corpus directory the seeds are written to a fresh temporary one. Crashes land in
``fuzz/crashes/<target>/`` (libFuzzer's ``-artifact_prefix``) unless told otherwise.

Coverage guidance comes from atheris (libFuzzer). Only the ``vpnteach`` package is
instrumented, so ``cov:``/``ft:`` count edges of the code under test, not of the harness or
the standard library. When atheris is not installed (no wheel for the running Python), a
seeded, blind mutation loop runs the same ``test_one_input`` so the scripts still work; it
says so on stderr and reports no coverage counters.
"""

from __future__ import annotations

import gc
import os
import random
import re
import sys
import tempfile
import time
import types
from collections.abc import Callable, Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CRASHES = ROOT / "fuzz" / "crashes"
TestOneInput = Callable[[bytes], None]


def write_seeds(directory: Path, seeds: Iterable[bytes]) -> int:
    """Write ``seeds`` into ``directory`` as ``seed-NNNN`` files; return how many."""
    directory.mkdir(parents=True, exist_ok=True)
    count = 0
    for count, data in enumerate(seeds, start=1):
        (directory / f"seed-{count:04d}").write_bytes(data)
    return count


def instrument_package(prefix: str = "vpnteach") -> int:
    """Add atheris' coverage instrumentation to every loaded function of ``prefix``.

    ``atheris.instrument_all`` would also instrument the standard library (``copy``, ``re``)
    and drown the package's edges in the harness's; this keeps to the code under test.
    """
    import atheris  # type: ignore[import-untyped, unused-ignore]

    count = 0
    for obj in gc.get_objects():
        if not isinstance(obj, types.FunctionType):
            continue
        module = getattr(obj, "__module__", None) or ""
        if module == prefix or module.startswith(prefix + "."):
            try:
                atheris.instrument_func(obj)
            except Exception as exc:  # a function atheris cannot patch stays unpatched
                print(f"INFO: not instrumented {obj.__qualname__}: {exc}", file=sys.stderr)
                continue
            count += 1
    return count


def _flag(argv: list[str], name: str) -> str | None:
    for arg in argv:
        if arg.startswith(f"-{name}="):
            return arg.split("=", 1)[1]
    return None


def prepare_argv(name: str, argv: list[str], seeds: Callable[[], list[bytes]]) -> list[str]:
    """Add a seeded corpus directory and the crash directory if the caller gave none."""
    args = list(argv)
    if not [a for a in args[1:] if not a.startswith("-")]:
        corpus = Path(tempfile.mkdtemp(prefix=f"fuzz-{name}-"))
        write_seeds(corpus, seeds())
        args.append(str(corpus))
    else:
        for arg in args[1:]:
            path = Path(arg)
            if not arg.startswith("-") and path.is_dir() and not any(path.iterdir()):
                write_seeds(path, seeds())
    if _flag(args, "artifact_prefix") is None:
        crashes = CRASHES / name
        crashes.mkdir(parents=True, exist_ok=True)
        args.insert(1, f"-artifact_prefix={crashes}/")
    return args


def main(name: str, test_one_input: TestOneInput, seeds: Callable[[], list[bytes]]) -> None:
    """Fuzz ``test_one_input`` with atheris (or the blind fallback); never returns."""
    argv = prepare_argv(name, sys.argv, seeds)
    try:
        import atheris
    except ImportError:
        print("INFO: atheris is not installed: blind mutation fallback", file=sys.stderr)
        sys.exit(fallback_loop(test_one_input, argv, seeds()))
    atheris.Setup(argv, test_one_input)
    count = instrument_package()
    print(f"INFO: instrumented {count} vpnteach functions", file=sys.stderr)
    atheris.Fuzz()


# --- the fallback: a seeded blind mutator over the seeds (no coverage feedback) ---------------


def mutate(data: bytes, rng: random.Random, corpus: list[bytes]) -> bytes:
    """One to four random edits: flip, set, insert, delete, duplicate, splice, truncate."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(7)
        pos = rng.randrange(len(out) + 1)
        if op == 0 and out:
            out[pos % len(out)] ^= 1 << rng.randrange(8)
        elif op == 1 and out:
            out[pos % len(out)] = rng.choice((0, 1, 0x7F, 0x80, 0xFF, rng.randrange(256)))
        elif op == 2:
            out[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        elif op == 3 and out:
            del out[pos : pos + rng.randint(1, 8)]
        elif op == 4 and out:
            chunk = out[pos : pos + rng.randint(1, 16)]
            out[pos:pos] = chunk
        elif op == 5 and corpus:
            other = rng.choice(corpus)
            cut = rng.randrange(len(other) + 1)
            out = out[:pos] + other[cut:]
        else:
            del out[pos:]
    return bytes(out)


def fallback_loop(test_one_input: TestOneInput, argv: list[str], seeds: list[bytes]) -> int:
    """Run ``-atheris_runs`` / ``-max_total_time`` mutated inputs; 1 on the first failure."""
    runs = int(_flag(argv, "atheris_runs") or _flag(argv, "runs") or 10_000)
    limit = float(_flag(argv, "max_total_time") or 0) or float("inf")
    rng = random.Random(int(_flag(argv, "seed") or 1))
    corpus = [s for s in seeds] or [b""]
    for path in [Path(a) for a in argv[1:] if not a.startswith("-")]:
        if path.is_file():
            test_one_input(path.read_bytes())  # replay mode: one file, no mutation
            return 0
    start, done = time.monotonic(), 0
    while done < runs and time.monotonic() - start < limit:
        data = mutate(rng.choice(corpus), rng, corpus)
        try:
            test_one_input(data)
        except Exception:
            prefix = _flag(argv, "artifact_prefix") or "./"
            crash = Path(f"{prefix}crash-fallback-{done}")
            crash.write_bytes(data)
            print(f"==ERROR== fallback crash saved to {crash}", file=sys.stderr)
            raise
        done += 1
    rate = done / max(time.monotonic() - start, 1e-9)
    print(f"#{done} DONE (fallback, no coverage) exec/s: {rate:.0f}", file=sys.stderr)
    return 0


_DONE = re.compile(r"#(\d+)\s+DONE\s+cov: (\d+) ft: (\d+) corp: (\d+)/\S+.*?exec/s: (\d+)")


def parse_done_line(stderr: str) -> dict[str, int] | None:
    """libFuzzer's last ``#N DONE cov: C ft: F corp: K/size ... exec/s: R`` line, as numbers."""
    found = _DONE.findall(stderr)
    if not found:
        return None
    runs, cov, ft, corp, rate = (int(x) for x in found[-1])
    return {"runs": runs, "cov": cov, "ft": ft, "corpus": corp, "exec_per_s": rate}


def env_with_root() -> dict[str, str]:
    """The environment for a target subprocess: the repository on ``PYTHONPATH``."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env
