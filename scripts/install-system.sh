#!/usr/bin/env bash
# Install with apt what a fresh Debian/Ubuntu machine lacks for `make test` (and nothing when all is
# there): `make test` and `.ci/run` both call it, so the two commands install the same things.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
need=()
have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/usr/bin/$1" ]; }
have make || need+=(make)
have git || need+=(git)
have python3 || need+=(python3)
python3 -c "import ensurepip, venv" >/dev/null 2>&1 || need+=(python3-venv)
have chromium || need+=(chromium)                 # browser tests (Playwright drives Debian's chromium)
have dovecot || need+=(dovecot-imapd)             # real IMAP mailbox tests
have pg_isready || need+=(postgresql postgresql-client)
have redis-server || need+=(redis-server)
have npm || need+=(nodejs npm)                    # Bootstrap Italia assets
[ -e /usr/lib/x86_64-linux-gnu/libpangoft2-1.0.so.0 ] || ldconfig -p 2>/dev/null | grep -q libpangoft2 || need+=(libpango-1.0-0 libpangoft2-1.0-0)  # WeasyPrint (PDF reports)
fc-list 2>/dev/null | grep -qi dejavu || need+=(fonts-dejavu-core fontconfig)
fc-list 2>/dev/null | grep -qi liberation || need+=(fonts-liberation)
if [ ${#need[@]} -gt 0 ]; then
  echo "install-system: installing ${need[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
