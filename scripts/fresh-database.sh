#!/usr/bin/env bash
# Prints the URL of a newly (re)created database named $1, owned by the same
# owner role as DATABASE_URL. Used by the browser tests.
set -euo pipefail
name="$1"
base="${DATABASE_URL:?DATABASE_URL must be set}"
maintenance="${base%/*}/postgres"
psql "$maintenance" -qtA -v ON_ERROR_STOP=1 >/dev/null <<SQL
DROP DATABASE IF EXISTS $name WITH (FORCE);
CREATE DATABASE $name;
SQL
echo "${base%/*}/$name"
