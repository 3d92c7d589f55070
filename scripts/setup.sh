# Installs what Ponte needs to build and test, skipping what is already there
# at the right version. Sourced by ponte.sh; every function is idempotent.
# Nothing here downloads a binary from outside the package registries.

CARGO_LEPTOS_VERSION="0.3.10"
# The wasm-split that cargo-leptos 0.3.10 links, for `./ponte.sh bench wasm`.
WASM_SPLIT_VERSION="0.2.3"

step() { printf '\n\033[1;34m==> %s\033[0m\n' "$*"; }
note() { printf '    %s\n' "$*"; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_updated=""
ensure_apt() { # ensure_apt <package>...
    local missing=()
    for pkg in "$@"; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    command -v apt-get >/dev/null || die "please install: ${missing[*]}"
    step "Installing ${missing[*]} (apt)"
    if [ -z "$apt_updated" ]; then
        as_root apt-get update -qq
        apt_updated=1
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The real mail servers the tests talk to: aiosmtpd, an SMTP server that
# stores what it receives in a Maildir, and Dovecot, an IMAP server.
mail_test_packages() {
    echo python3-aiosmtpd dovecot-imapd
}

# start_mail_catcher <port> <maildir> [reuse]: a local SMTP server
# (aiosmtpd) that keeps every mail it receives as a file in <maildir>/new;
# prints its pid. With "reuse", an earlier catcher still on the port is kept.
start_mail_catcher() {
    local port="$1" maildir="$2" reuse="${3:-}"
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        [ "$reuse" = reuse ] || die "port $port is taken; the mail catcher needs it"
        echo ""
        return 0
    fi
    mkdir -p "$maildir/tmp" "$maildir/new" "$maildir/cur"
    /usr/bin/python3 -m aiosmtpd -n -l "127.0.0.1:$port" -c aiosmtpd.handlers.Mailbox "$maildir" \
        >"$maildir.log" 2>&1 &
    local pid=$!
    for _ in $(seq 1 50); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && { echo "$pid"; return 0; }
        sleep 0.1
    done
    die "the local mail catcher did not start (see $maildir.log)"
}

# start_imap_server <port> <dir> <user> <password>: a private Dovecot IMAP
# server on 127.0.0.1:<port> with one user, its own config, sockets and logs
# under <dir> (so several run side by side, apart from any system Dovecot);
# prints its pid, and `kill <pid>` stops all of it. The user's INBOX is the
# Maildir <dir>/mail/<user> (a file put in its new/ is a new mail). The
# config is Dovecot 2.3's (Debian 12); 2.4 (Debian 13) reads another format.
start_imap_server() {
    local port="$1" dir="$2" user="$3" password="$4"
    command -v dovecot >/dev/null || die "dovecot is not installed (apt: dovecot-imapd)"
    case "$(dovecot --version)" in
        2.3.*) ;;
        *) die "start_imap_server writes a Dovecot 2.3 config; this is $(dovecot --version)" ;;
    esac
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        die "port $port is taken; the IMAP server needs it"
    fi
    # Dovecot will not touch mail as root: as root, mail belongs to nobody
    # and Dovecot's own processes run as the users its package made; as
    # anyone else, everything runs as that user.
    local internal login mail_uid mail_gid
    if [ "$(id -u)" -eq 0 ]; then
        internal=dovecot login=dovenull mail_uid=$(id -u nobody) mail_gid=$(id -g nobody)
    else
        internal=$(id -un) login=$(id -un) mail_uid=$(id -u) mail_gid=$(id -g)
    fi
    rm -rf "$dir/mail/$user"
    mkdir -p "$dir/base" "$dir/state" "$dir/mail/$user/new" "$dir/mail/$user/cur" "$dir/mail/$user/tmp" \
        || die "cannot create $dir"
    chmod 755 "$dir"
    chown -R "$mail_uid:$mail_gid" "$dir/mail"
    printf '%s:{PLAIN}%s\n' "$user" "$password" >"$dir/users"
    chmod 644 "$dir/users"
    cat >"$dir/dovecot.conf" <<EOF
base_dir = $dir/base
state_dir = $dir/state
instance_name = imap-test-$port
log_path = $dir/dovecot.log
auth_verbose = yes
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = $internal
default_login_user = $login
first_valid_uid = $mail_uid
last_valid_uid = $mail_uid
mail_max_userip_connections = 50
mail_location = maildir:$dir/mail/%u
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $dir/users
}
userdb {
  driver = static
  args = uid=$mail_uid gid=$mail_gid home=$dir/mail/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $port
  }
  inet_listener imaps {
    port = 0
  }
}
EOF
    if [ "$(id -u)" -eq 0 ] && ! { runuser -u "$internal" -- test -r "$dir/users" \
        && runuser -u nobody -- test -w "$dir/mail/$user/new"; }; then
        die "the users $internal and nobody cannot reach $dir (are its parents private?)"
    fi
    # -F keeps the master in the foreground, so $! is its pid; setsid makes
    # it the leader of a process group holding the whole instance.
    setsid dovecot -F -c "$dir/dovecot.conf" >>"$dir/dovecot.log" 2>&1 </dev/null &
    local pid=$!
    for _ in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && { echo "$pid"; return 0; }
        sleep 0.1
    done
    kill "$pid" 2>/dev/null
    die "the local IMAP server did not start (see $dir/dovecot.log)"
}

# stop_imap_server <pid>: stops a server from start_imap_server and returns
# once all its processes are gone. (A plain `kill <pid>` stops it too, but
# sessions still open may linger for ~10 s and write to the Maildir.)
stop_imap_server() {
    local pid="$1"
    kill -TERM -- "-$pid" 2>/dev/null || return 0
    for _ in $(seq 1 50); do
        kill -0 -- "-$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -KILL -- "-$pid" 2>/dev/null
    return 0
}

ensure_rust_toolchain() {
    command -v cargo >/dev/null || die "Rust (rustup) is required: https://rustup.rs"
    # rust-toolchain.toml pins the version; the wasm target must be added
    # explicitly when the toolchain was installed before the file existed.
    if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
        step "Adding the wasm32-unknown-unknown target"
        rustup target add wasm32-unknown-unknown
    fi
}

# The tools' own speed hardly matters, so they are built with a cheap release
# profile: cargo-leptos takes ~12 min on 2 cores instead of ~18.
cargo_install_quickly() {
    local started=$SECONDS
    CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=256 \
        CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_DEBUG=false \
        cargo install "$@"
    note "installed in $(elapsed_since "$started")"
}

elapsed_since() { # elapsed_since <SECONDS at the start>
    local took=$((SECONDS - $1))
    echo "$((took / 60)) min $((took % 60)) s"
}

ensure_cargo_leptos() {
    if [ "$(cargo leptos --version 2>/dev/null | awk '{print $2}')" != "$CARGO_LEPTOS_VERSION" ]; then
        step "Installing cargo-leptos $CARGO_LEPTOS_VERSION (one time, ~12 min on 2 cores; cargo shows its progress)"
        cargo_install_quickly cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --features no_downloads
    fi
}

ensure_wasm_bindgen() {
    # Must match the wasm-bindgen crate in Cargo.lock exactly.
    local wanted
    wanted=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
    [ -n "$wanted" ] || die "wasm-bindgen not found in Cargo.lock"
    if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$wanted" ]; then
        step "Installing wasm-bindgen-cli $wanted (one time, ~2 min)"
        # Not --locked: the locked file asks for a webpki-roots version the
        # registry mirror lacks.
        cargo_install_quickly wasm-bindgen-cli --version "$wanted"
    fi
}

ensure_node() {
    command -v npm >/dev/null || ensure_apt nodejs npm
}

ensure_build_npm_packages() {
    ensure_node
    if [ ! -x node_modules/.bin/tailwindcss ] || [ ! -x node_modules/.bin/wasm-opt ] \
        || [ package.json -nt node_modules/.package-lock.json ]; then
        step "Installing Tailwind CLI and binaryen (npm)"
        # `npm install`, not `npm ci`: the registry serves only Linux builds
        # of Tailwind's native parts, so a lockfile cannot list the others.
        npm install --no-audit --no-fund --loglevel=error
    fi
}

ensure_e2e_npm_packages() {
    ensure_node
    if [ ! -d end2end/node_modules/playwright-core ] || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
        step "Installing playwright-core (npm, no browser download)"
        (cd end2end && npm ci --no-audit --no-fund --loglevel=error)
    fi
}

# Installs the build tools, and the given apt packages besides. Downloads
# (npm, apt) run while cargo compiles the tools: they hardly use the CPU, so
# a fresh machine waits for the compiles only.
ensure_build_tools() { # ensure_build_tools [apt package...]
    ensure_rust_toolchain
    ensure_node
    local log
    log=$(mktemp)
    (
        ensure_build_npm_packages
        if [ $# -gt 0 ]; then ensure_apt "$@"; fi
    ) >"$log" 2>&1 &
    local downloads=$!
    ensure_wasm_bindgen
    ensure_cargo_leptos
    local status=0
    wait "$downloads" || status=$?
    cat "$log"
    rm -f "$log"
    [ "$status" -eq 0 ] || die "installing the npm or apt packages failed (see above)"
}

# The release build is skipped when nothing it is built from changed since
# the last one (a warm `run` then serves in seconds): the stamp is a hash of
# every file git knows of (tracked or not ignored) and of the toolchain,
# leaving out what neither the server nor the site is built from (browser
# tests, CI, the benchmark's client, documents other than docs/API.md, which
# the API page includes).
release_fingerprint() {
    {
        {
            git ls-files -co --exclude-standard -z -- . ':!end2end' ':!.ci' ':!bench/src' ':!*.md'
            git ls-files -co --exclude-standard -z -- docs/API.md
        } | xargs -0 sha256sum 2>/dev/null
        rustc --version
        cargo leptos --version
    } | sha256sum | cut -c1-64
}

# The release fingerprint with the checkout it belongs to, as build stamps
# record it: taken before a build, so an edit made during one is not missed.
sources_stamp() {
    echo "$(release_fingerprint):$ROOT"
}

# Where build_site records what it built from (build_release too, as it
# builds the same site).
site_stamp() {
    echo "$TARGET_DIR/.ponte-site-build"
}

# The built site as browsers get it: each lazy part's wasm modules in one
# file, every file precompressed.
finish_site() {
    node scripts/bundle-lazy-chunks.mjs "$ROOT/target/site"
    node scripts/precompress.mjs "$ROOT/target/site"
}

# The release build (server binary and site), skipped when its inputs are
# unchanged since the last one.
build_release() {
    local stamp="$TARGET_DIR/.ponte-release-build" sources
    sources=$(sources_stamp)
    if [ -x "$TARGET_DIR/release/ponte" ] && [ -d "$ROOT/target/site/pkg" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$sources" ]; then
        step "Release build is up to date (no source changed since the last one)"
        return
    fi
    step "Building Ponte (release)"
    local started=$SECONDS
    if site_is_current "$sources"; then
        # `./ponte.sh test` has just built this very site: the server alone.
        note "the site is current: building the server alone"
        cargo leptos build --release --split --server-only
    else
        cargo leptos build --release --split
        finish_site
        echo "$sources" >"$(site_stamp)"
    fi
    echo "$sources" >"$stamp"
    note "built in $(elapsed_since "$started")"
}

# Whether the site on disk was built from `sources` (its hashed names
# recorded in hash.txt).
site_is_current() {
    [ -f "$TARGET_DIR/release/hash.txt" ] && [ -d "$ROOT/target/site/pkg" ] &&
        [ "$(cat "$(site_stamp)" 2>/dev/null)" = "$1" ]
}

# The site alone (release wasm, JS and CSS, split, named by content,
# precompressed: what browsers get), skipped when its inputs are unchanged
# since the last build of it. The browser tests serve it with the server
# binary `cargo test` built.
build_site() {
    local sources
    sources=$(sources_stamp)
    if site_is_current "$sources"; then
        step "The site is up to date (no source changed since the last build)"
        return
    fi
    step "Building the site (release wasm, JS and CSS)"
    local started=$SECONDS
    cargo leptos build --release --split --frontend-only
    finish_site
    echo "$sources" >"$(site_stamp)"
    note "built in $(elapsed_since "$started")"
}
