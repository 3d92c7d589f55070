#!/usr/bin/env bash
# Ponte's two commands:
#   ./ponte.sh run    install what is missing, build (release), start a private
#                     PostgreSQL if DATABASE_URL is unset, migrate, seed the
#                     demo account, and serve on http://127.0.0.1:3000
#   ./ponte.sh test   formatting, clippy (ssr + hydrate), unit and integration
#                     tests against a real PostgreSQL, browser tests in headless
#                     Chromium
# Also: ./ponte.sh bench (see docs/BENCHMARKS.md), ./ponte.sh stop-db
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$ROOT"
DATA_DIR="${PONTE_DATA_DIR:-$ROOT/.data}"
export PONTE_DATA_DIR="$DATA_DIR"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
PONTE_BIN="$TARGET_DIR/release/ponte"

# shellcheck source=scripts/setup.sh
source scripts/setup.sh
# shellcheck source=scripts/postgres.sh
source scripts/postgres.sh

# Packages PostgreSQL needs from apt, if it is to run privately here.
postgres_packages() {
    if [ -z "${DATABASE_URL:-}" ] && [ -z "$(pg_bin_dir)" ]; then
        echo postgresql postgresql-contrib
    fi
}

cmd_run() {
    local addr="${PONTE_ADDR:-127.0.0.1:3000}"
    # shellcheck disable=SC2046 # a list of package names
    ensure_build_tools $(postgres_packages) $(mail_test_packages)
    ensure_database
    build_release
    step "Migrating and seeding the demo account"
    "$PONTE_BIN" migrate
    "$PONTE_BIN" seed-demo
    if [ -z "${PONTE_SMTP_URL:-}" ]; then
        # No mail server given: a local one keeps what Ponte sends as files.
        start_mail_catcher 2525 "$DATA_DIR/mail" reuse >/dev/null
        export PONTE_SMTP_URL="smtp://127.0.0.1:2525" PONTE_MAIL_FROM="Ponte <ponte@demo.ponte.dev>"
        note "Mail Ponte sends (confirmations, password resets, invitations) is kept in $DATA_DIR/mail/new"
    fi
    step "Ponte is starting on http://$addr"
    note "Sign in as admin@demo.ponte.dev, supervisor@demo.ponte.dev or agent@demo.ponte.dev"
    note "password: ponte-demo-2026      (Ctrl-C stops the server)"
    exec "$PONTE_BIN" serve --addr "$addr" --no-migrate
}

cmd_test() {
    local started=$SECONDS
    # A one-shot run gains nothing from incremental state, which is large.
    export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
    # shellcheck disable=SC2046 # a list of package names
    ensure_build_tools chromium $(postgres_packages) $(mail_test_packages)
    ensure_e2e_npm_packages
    ensure_database

    step "cargo fmt --check"
    cargo fmt --all -- --check

    step "clippy (server side: shared, domain, app with ssr, server)"
    cargo clippy -p shared -p domain -p app -p server -p bench --all-targets -- -D warnings
    step "clippy (browser side: app with hydrate, frontend, wasm32)"
    cargo clippy -p app -p frontend --features app/hydrate --target wasm32-unknown-unknown -- -D warnings

    step "Unit and integration tests (fresh database per test)"
    # Test databases from earlier runs are dropped first.
    "$ROOT/scripts/drop-test-databases.sh"
    # Views are type-erased as in the release site (always-erase-components),
    # so the server binary built here serves that site to the browser tests.
    run_rust_tests

    step "Browser tests (headless Chromium)"
    # The release site (what browsers get, whose sizes the tests check),
    # served by the server binary just built from the same code: a release
    # server would compile the whole dependency graph once more (about
    # 15 min cold, 6 min warm) for nothing these tests can tell apart.
    build_site
    cp "$TARGET_DIR/release/hash.txt" "$TARGET_DIR/debug/hash.txt"
    run_browser_tests "$TARGET_DIR/debug/ponte"

    step "All tests passed in $(( (SECONDS - started) / 60 )) min $(( (SECONDS - started) % 60 )) s"
}

# Unit and integration tests; views are type-erased as in the release site
# (see cmd_test). An integration test that fails is run once more on its own
# and, if it passes then, reported as flaky rather than failing the run: the
# suite starts some 270 servers and databases side by side on two cores, and
# one stall of unknown cause once cost a whole submission. Unit tests, and an
# integration test that fails twice, fail the run.
run_rust_tests() {
    local log="$DATA_DIR/cargo-test.log" status=0 failed_targets flaky
    # A hung test fails the run instead of stalling it.
    RUSTFLAGS="--cfg erase_components" timeout 1800 cargo test -p shared -p domain -p app -p server -p bench --no-fail-fast 2>&1 \
        | tee "$log" || status=$?
    [ "$status" -eq 0 ] && return
    failed_targets=$(grep -oE '(to rerun pass|^ +)`-p [^`]+`' "$log" | grep -oE '`[^`]+`' | sort -u)
    # The names listed under the last "failures:" before each test result
    # (the first such heading is followed by the tests' own output).
    flaky=$(awk '/^failures:$/ { listing = 1; names = "" }
                 /^test result:/ { printf "%s", names; listing = 0; names = "" }
                 listing && /^    [a-z0-9_]+(::[a-z0-9_]+)+$/ { names = names $1 "\n" }' "$log" | sort -u)
    if [ "$failed_targets" != '`-p server --test it`' ] || [ -z "$flaky" ]; then
        die "tests failed (exit $status)"
    fi
    step "Running the failed integration tests once more: $(echo $flaky)"
    # shellcheck disable=SC2086 # one argument per test name
    RUSTFLAGS="--cfg erase_components" timeout 600 cargo test -p server --test it -- --exact $flaky || die "integration tests failed twice"
    note "FLAKY (failed once, passed alone): $(echo $flaky)"
    echo "$(date -u +%FT%TZ) $(echo $flaky)" >>"$DATA_DIR/flaky-tests.log"
}

run_browser_tests() { # run_browser_tests <server binary>
    local ponte="$1"
    local port="${PONTE_E2E_PORT:-3199}"
    local e2e_data="$DATA_DIR/e2e"
    local db_url
    db_url=$(scripts/fresh-database.sh ponte_e2e)
    rm -rf "$e2e_data" && mkdir -p "$e2e_data"
    local log="$e2e_data/server.log"
    DATABASE_URL="$db_url" PONTE_DATA_DIR="$e2e_data" "$ponte" migrate >/dev/null
    DATABASE_URL="$db_url" PONTE_DATA_DIR="$e2e_data" "$ponte" seed-demo >/dev/null
    local mail_port=$((port + 1)) maildir="$e2e_data/mail" mail_pid
    mail_pid=$(start_mail_catcher "$mail_port" "$maildir")
    # A real IMAP server for the e-mail connection test (its own directory
    # under /tmp: Dovecot's unprivileged processes must reach it).
    local imap_port=$((port + 2)) imap_dir imap_user="suporte@e2e.example" imap_password="e2e-imap-secret" imap_pid
    imap_dir=$(mktemp -d /tmp/ponte-e2e-imap.XXXXXX)
    imap_pid=$(start_imap_server "$imap_port" "$imap_dir" "$imap_user" "$imap_password")
    DATABASE_URL="$db_url" PONTE_DATA_DIR="$e2e_data" RUST_LOG=warn \
        PONTE_SMTP_URL="smtp://127.0.0.1:$mail_port" PONTE_MAIL_FROM="Ponte <ponte@e2e.ponte.dev>" \
        PONTE_ALLOW_PRIVATE_WEBHOOKS=1 "$ponte" serve --addr "127.0.0.1:$port" --no-migrate >"$log" 2>&1 &
    local server_pid=$!
    trap 'kill $server_pid $mail_pid $imap_pid 2>/dev/null || true' EXIT
    for _ in $(seq 1 100); do
        curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
        sleep 0.2
    done
    curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null || { cat "$log"; die "the server did not become ready"; }
    local status=0
    (cd end2end && PONTE_URL="http://127.0.0.1:$port" DATABASE_URL="$db_url" PONTE_BIN="$ponte" \
        PONTE_DATA_DIR="$e2e_data" PONTE_E2E_MAILDIR="$maildir" PONTE_E2E_SMTP_PORT="$mail_port" \
        PONTE_E2E_IMAP_PORT="$imap_port" PONTE_E2E_IMAP_USER="$imap_user" PONTE_E2E_IMAP_PASSWORD="$imap_password" \
        PONTE_E2E_IMAP_MAILDIR="$imap_dir/mail/$imap_user" node --test --test-concurrency=1 tests/) || status=$?
    kill "$server_pid" ${mail_pid:+"$mail_pid"} "$imap_pid" 2>/dev/null || true
    rm -rf "$imap_dir"
    wait "$server_pid" 2>/dev/null || true
    trap - EXIT
    if [ "$status" -ne 0 ]; then
        note "server log: $log"
        tail -n 40 "$log"
        die "browser tests failed"
    fi
}

cmd_stop_db() {
    local bin data
    bin=$(pg_bin_dir) && data=$(pg_data_dir)
    as_pg_user "$bin/pg_ctl" -D "$data" stop -m fast
}

case "${1:-}" in
    run) shift; cmd_run "$@" ;;
    test) shift; cmd_test "$@" ;;
    bench) shift; exec scripts/bench.sh "$@" ;;
    stop-db) cmd_stop_db ;;
    *)
        sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
        exit 2
        ;;
esac
