#!/usr/bin/env bash
# `npm test`: everything. Typecheck, lint, the unit + integration suite (the Slurm suite against a
# real Slurm cluster) on PGlite and again on PostgreSQL, one production build, and the Playwright suite against it in Debian's Chromium.
# Uses FERRY_TEST_DATABASE_URL when given (CI starts its own server); otherwise starts a throwaway one.
set -euo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1

bash .ci/deps.sh

started_pg=""
started_slurm=""
cleanup() {
  if [ -n "$started_pg" ]; then bash .ci/postgres.sh stop "$started_pg"; fi
  if [ -n "$started_slurm" ]; then bash .ci/slurm.sh stop "$started_slurm"; fi
}
trap cleanup EXIT
if [ -z "${FERRY_TEST_DATABASE_URL:-}" ]; then
  started_pg=$(mktemp -d /tmp/ferry-test-pg.XXXXXX)
  FERRY_TEST_DATABASE_URL=$(bash .ci/postgres.sh start "$started_pg")
fi
# The Slurm suite (lib/clusters/slurm.test.ts) runs against a real single-node Slurm cluster. Its
# daemons need root; without root (and no SLURM_CONF given) the suite is skipped, except with CI=true.
if [ -z "${SLURM_CONF:-}" ]; then
  if [ "$(id -u)" = 0 ]; then
    started_slurm=$(mktemp -d /tmp/ferry-test-slurm.XXXXXX)
    eval "$(bash .ci/slurm.sh start "$started_slurm")"
  else
    echo "[test] not root: no Slurm cluster for the Slurm suite (give SLURM_CONF of a running one)" >&2
  fi
fi
[ -n "${SLURM_CONF:-}" ] && export SLURM_CONF && echo "[test] Slurm for tests: $SLURM_CONF"

step() {
  local name=$1; shift
  echo; echo "=== $name"
  local t0=$SECONDS
  "$@"
  echo "=== $name: ok in $((SECONDS - t0)) s"
}

step "typecheck" npm run --silent typecheck
step "lint" npm run --silent lint
step "unit + integration tests on PGlite" env DATABASE_URL= npx vitest run
step "integration tests on PostgreSQL" env DATABASE_URL="$FERRY_TEST_DATABASE_URL" npx vitest run
# The build must never open the database: build against an empty data dir and check it stays empty.
build() {
  local dir; dir=$(mktemp -d /tmp/ferry-build-data.XXXXXX)
  FERRY_DATA_DIR="$dir" DATABASE_URL= npx next build
  if [ -n "$(ls -A "$dir")" ]; then echo "next build touched the data dir: $(ls -A "$dir")" >&2; return 1; fi
  rm -rf "$dir"
}
step "production build (opens no database)" build
step "end-to-end tests (Chromium)" npx playwright test
