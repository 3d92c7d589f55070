#!/usr/bin/env bash
# Drops the per-test databases (and templates) left by earlier test runs.
# One still in use (a test process not yet gone) is skipped, not fatal.
set -euo pipefail
base="${DATABASE_URL:?DATABASE_URL must be set}"
maintenance="${base%/*}/postgres"
psql "$maintenance" -qtA -v ON_ERROR_STOP=1 -c "
  SELECT format('DROP DATABASE IF EXISTS %I WITH (FORCE);', datname)
    FROM pg_database WHERE datname LIKE 'ponte\_test\_%' OR datname LIKE 'ponte\_tpl\_%'" \
  | psql "$maintenance" -qtA >/dev/null 2>&1 || true
