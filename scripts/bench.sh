#!/usr/bin/env bash
# Benchmark: ./ponte.sh bench [--conversations N] [--messages M] [ponte-bench options]
#            ./ponte.sh bench web    (first load on an emulated phone: end2end/bench/web.mjs)
#            ./ponte.sh bench wasm   (what the first download's wasm holds: scripts/wasm-contents.mjs)
#            ./ponte.sh bench flows  (the flow builder with 200 blocks: end2end/bench/flows.mjs)
#            ./ponte.sh bench ingest (signed webhooks vs pgbench inserts, 1,000 req/s, backlog)
#            ./ponte.sh bench dashboard (KPIs, charts and reports for 30 days on the load data
#                                        plus 50 agents' 90 days of activity)
# Builds in release mode, loads a fresh database (ponte_bench) with the demo
# account plus N conversations and M messages, starts the server and runs
# ponte-bench against it; other options (--mode latency|fanout|sustained,
# --sockets, --rounds, --rate, --seconds) go to ponte-bench.
# See docs/BENCHMARKS.md.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
DATA_DIR="${PONTE_DATA_DIR:-$ROOT/.data}"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
source scripts/setup.sh
source scripts/postgres.sh

# Starts the release server on port $1 (its pid in $server, stopped on exit)
# and waits until it is ready.
serve_release() {
    local port="$1"
    # Simulated agents and customers come from many networks (X-Forwarded-For),
    # as the per-network caps expect of real ones.
    PONTE_TRUST_PROXY=1 RUST_LOG=warn "$TARGET_DIR/release/ponte" serve --addr "127.0.0.1:$port" --no-migrate >"$PONTE_DATA_DIR/server.log" 2>&1 &
    server=$!
    trap 'kill $server 2>/dev/null || true' EXIT
    for _ in $(seq 1 100); do
        curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
        sleep 0.2
    done
}

if [ "${1:-}" = web ]; then
    ensure_build_tools chromium
    ensure_e2e_npm_packages
    mkdir -p "$DATA_DIR"
    ensure_database
    build_release
    db_url=$(scripts/fresh-database.sh ponte_bench_web)
    bench_data="$DATA_DIR/bench-web"
    rm -rf "$bench_data" && mkdir -p "$bench_data"
    export DATABASE_URL="$db_url" PONTE_DATA_DIR="$bench_data"
    port="${PONTE_BENCH_PORT:-3299}"
    "$TARGET_DIR/release/ponte" migrate >/dev/null
    "$TARGET_DIR/release/ponte" seed-demo --without-flow --without-rules >/dev/null
    serve_release "$port"
    step "Measuring the first load on an emulated phone"
    (cd end2end && PONTE_URL="http://127.0.0.1:$port" node bench/web.mjs)
    exit 0
fi

if [ "${1:-}" = wasm ]; then
    ensure_build_tools
    build_site
    if ! command -v wasm-split-cli >/dev/null; then
        # The analysis cargo-leptos 0.3.10 runs, as a command that prints it.
        step "Installing wasm-split-cli (wasm_split_cli_support $WASM_SPLIT_VERSION, one time, about 2 min)"
        cargo_install_quickly wasm_split_cli_support --version "$WASM_SPLIT_VERSION" --locked --features build-binary
    fi
    step "What the first download's wasm holds"
    trace_dir=$(mktemp -d)
    trap 'rm -rf "$trace_dir"' EXIT
    RUST_LOG=trace wasm-split-cli -v "$TARGET_DIR/front/wasm32-unknown-unknown/wasm-release/frontend.wasm" \
        "$trace_dir" --out-name frontend >"$trace_dir/trace.log" 2>&1 \
        || { tail -5 "$trace_dir/trace.log"; die "wasm-split-cli failed"; }
    node scripts/wasm-contents.mjs "$trace_dir/trace.log" "$ROOT/target/site/pkg"
    exit 0
fi

if [ "${1:-}" = flows ]; then
    ensure_build_tools chromium
    ensure_e2e_npm_packages
    mkdir -p "$DATA_DIR"
    ensure_database
    build_release
    db_url=$(scripts/fresh-database.sh ponte_bench_flows)
    bench_data="$DATA_DIR/bench-flows"
    rm -rf "$bench_data" && mkdir -p "$bench_data"
    export DATABASE_URL="$db_url" PONTE_DATA_DIR="$bench_data"
    port="${PONTE_BENCH_PORT:-3299}"
    "$TARGET_DIR/release/ponte" migrate >/dev/null
    "$TARGET_DIR/release/ponte" seed-demo >/dev/null
    token=$("$TARGET_DIR/release/ponte" api-token create --email admin@demo.ponte.dev --name bench)
    serve_release "$port"
    step "Dragging and panning in a 200-block flow"
    (cd end2end && PONTE_URL="http://127.0.0.1:$port" PONTE_TOKEN="$token" node bench/flows.mjs)
    exit 0
fi

if [ "${1:-}" = ingest ]; then
    shift
    ensure_build_tools
    mkdir -p "$DATA_DIR"
    ensure_database
    build_release
    cargo build --release -p bench
    db_url=$(scripts/fresh-database.sh ponte_bench_ingest)
    bench_data="$DATA_DIR/bench-ingest"
    rm -rf "$bench_data" && mkdir -p "$bench_data"
    export DATABASE_URL="$db_url" PONTE_DATA_DIR="$bench_data"
    port="${PONTE_BENCH_PORT:-3299}"
    "$TARGET_DIR/release/ponte" migrate >/dev/null
    "$TARGET_DIR/release/ponte" seed-demo --without-flow --without-rules >/dev/null
    ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
    serve_release "$port"
    step "Measuring webhook ingest against pgbench"
    "$TARGET_DIR/release/ponte-bench" --url "http://127.0.0.1:$port" --server-pid "$server" \
        --mode ingest --database-url "$db_url" --rate "${PONTE_INGEST_RATE:-1000}" "$@"
    exit 0
fi

# Times one GET $1 (with the bench's token) $2 times; prints p50 / p95 / max.
time_requests() {
    local path="$1" times="$2" samples=()
    for _ in $(seq 1 "$times"); do
        samples+=("$(curl -fsS -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $token" \
            "http://127.0.0.1:$port$path")")
    done
    printf '%s\n' "${samples[@]}" | sort -n | awk -v path="$path" '
        { t[NR] = $1 * 1000 }
        END { printf "%-48s p50 %6.1f ms   p95 %6.1f ms   max %6.1f ms   (%d runs)\n",
              path, t[int((NR + 1) / 2)], t[int(NR * 0.95 + 0.999)], t[NR], NR }'
}

if [ "${1:-}" = dashboard ]; then
    ensure_build_tools
    mkdir -p "$DATA_DIR"
    ensure_database
    build_release
    db_url=$(scripts/fresh-database.sh ponte_bench_dashboard)
    bench_data="$DATA_DIR/bench-dashboard"
    rm -rf "$bench_data" && mkdir -p "$bench_data"
    export DATABASE_URL="$db_url" PONTE_DATA_DIR="$bench_data"
    port="${PONTE_BENCH_PORT:-3299}"
    "$TARGET_DIR/release/ponte" migrate >/dev/null
    "$TARGET_DIR/release/ponte" seed-demo --without-flow --without-rules >/dev/null
    step "Loading 100,000 conversations, 1,000,000 messages and 50 agents' 90 days of work"
    "$TARGET_DIR/release/ponte" seed-load --account demo --conversations 100000 --messages 1000000 --agents 50
    token=$("$TARGET_DIR/release/ponte" api-token create --email admin@demo.ponte.dev --name bench)
    serve_release "$port"
    step "Measuring (server time on loopback; the admin sees every agent)"
    # The reports' rate limit allows a burst of 30 per user.
    time_requests "/api/v1/dashboard?preset=last_30_days" 12
    time_requests "/api/v1/dashboard?preset=today" 4
    for kind in productivity work-log categorization idle; do
        time_requests "/api/v1/reports/$kind?preset=last_30_days" 3
    done
    exit 0
fi

conversations=100000 messages=1000000 bench_options=()
while [ $# -gt 0 ]; do
    case "$1" in
        --conversations) conversations="$2"; shift 2 ;;
        --messages) messages="$2"; shift 2 ;;
        --*) bench_options+=("$1" "$2"); shift 2 ;;
        *) die "unknown option $1" ;;
    esac
done

ensure_build_tools
mkdir -p "$DATA_DIR"
ensure_database
build_release
cargo build --release -p bench

step "Loading $conversations conversations and $messages messages into a fresh database"
db_url=$(scripts/fresh-database.sh ponte_bench)
bench_data="$DATA_DIR/bench"
rm -rf "$bench_data" && mkdir -p "$bench_data"
export DATABASE_URL="$db_url" PONTE_DATA_DIR="$bench_data"
"$TARGET_DIR/release/ponte" migrate >/dev/null
"$TARGET_DIR/release/ponte" seed-demo --without-flow --without-rules >/dev/null
"$TARGET_DIR/release/ponte" seed-load --account demo --conversations "$conversations" --messages "$messages"

# A thousand sockets need a thousand descriptors on each side.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
port="${PONTE_BENCH_PORT:-3299}"
serve_release "$port"
sleep 2
step "Measuring"
"$TARGET_DIR/release/ponte-bench" --url "http://127.0.0.1:$port" --server-pid "$server" "${bench_options[@]}"
