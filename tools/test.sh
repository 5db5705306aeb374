#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what it needs, then lint, types, tests.
#   bash tools/test.sh [pytest args...]
# As root on Debian it installs the system packages the interop tests use (strongSwan, tshark,
# ping, ...). Elsewhere those tests skip with a reason; with CI set they fail instead.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(
  strongswan-charon strongswan-swanctl strongswan-pki libcharon-extra-plugins
  libstrongswan-standard-plugins libstrongswan-extra-plugins tshark iputils-ping iproute2 openssl
  chromium fonts-dejavu-core fonts-liberation graphviz git bubblewrap util-linux certmonger
  dbus-daemon tmux grep sed
)

# npm fetches axe-core for the accessibility tests (Debian's npm; keep a Node.js that has one)
command -v npm >/dev/null 2>&1 || DEBIAN_PACKAGES+=(npm)

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  missing=()
  for p in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "== installing Debian packages: ${missing[*]}"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
fi

echo "== Python environment (.venv)"
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -c binder/requirements-lock.txt -e '.[test]'

echo "== axe-core (npm, MPL-2.0) for tests/browser: .cache/npm, not committed"
AXE_VERSION=4.14.1
if [ ! -f .cache/npm/node_modules/axe-core/axe.min.js ] && command -v npm >/dev/null 2>&1; then
  npm install --silent --no-audit --no-fund --prefix .cache/npm "axe-core@$AXE_VERSION" \
    || echo "warning: npm could not install axe-core (the accessibility tests skip, or fail in CI)"
fi

echo "== ruff"
.venv/bin/ruff check vpnteach tests benchmarks fuzz
.venv/bin/ruff format --check vpnteach tests benchmarks fuzz
echo "== mypy --strict"
.venv/bin/mypy vpnteach
echo "== lint-imports (the layers of DESIGN.md, [tool.importlinter] in pyproject.toml)"
.venv/bin/lint-imports --no-cache
echo "== pytest"
exec .venv/bin/pytest "$@"
