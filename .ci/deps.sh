#!/usr/bin/env bash
# Installs what the test suite needs from Debian when it is missing: Chromium (Playwright drives
# Debian's build, never a downloaded one) and PostgreSQL (a throwaway server for integration tests).
set -euo pipefail
need=()
[ -x "${FERRY_CHROMIUM:-/usr/bin/chromium}" ] || need+=(chromium)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need+=(postgresql)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "Missing: ${need[*]}. Install them (Debian: apt-get install -y ${need[*]}) and run again." >&2
  exit 1
fi
echo "[ci] apt-get install ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# The postgresql package starts a cluster of its own; the tests use their own throwaway server.
if [[ " ${need[*]} " == *" postgresql "* ]] && command -v pg_ctlcluster >/dev/null; then
  for c in $(pg_lsclusters -h 2>/dev/null | awk '{print $1"/"$2}'); do pg_ctlcluster ${c/\// } stop 2>/dev/null || true; done
fi
