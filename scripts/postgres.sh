# A private PostgreSQL cluster for development and tests, used when
# DATABASE_URL is unset. Debian's `postgresql` package provides the binaries;
# the cluster lives in .data/postgres and listens on 127.0.0.1 only. initdb
# refuses to run as root, so as root the server runs as the `postgres` user.

PG_PORT="${PONTE_PG_PORT:-5433}"

pg_bin_dir() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [ -n "$dir" ] && echo "$dir"
}

as_pg_user() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# The cluster folder: .data/postgres, unless the postgres user cannot reach
# it (a checkout under /root, say); then a folder of its own under /var/tmp.
pg_data_dir() {
    local preferred="$DATA_DIR/postgres"
    if [ "$(id -u)" -ne 0 ] || runuser -u postgres -- test -x "$DATA_DIR" 2>/dev/null; then
        echo "$preferred"
    else
        echo "/var/tmp/ponte-postgres-$(printf '%s' "$ROOT" | sha256sum | cut -c1-12)"
    fi
}

secret_file() { # secret_file <name>: a random password, created once
    local file="$DATA_DIR/$1"
    if [ ! -s "$file" ]; then
        (umask 077 && head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' > "$file")
    fi
    cat "$file"
}

start_private_postgres() {
    mkdir -p "$DATA_DIR"
    [ -n "$(pg_bin_dir)" ] || ensure_apt postgresql postgresql-contrib
    local bin data superuser_pw owner_pw
    bin=$(pg_bin_dir)
    data=$(pg_data_dir)
    superuser_pw=$(secret_file pg-superuser-password)
    owner_pw=$(secret_file pg-owner-password)

    if [ ! -f "$data/PG_VERSION" ]; then
        step "Creating a private PostgreSQL cluster in $data"
        mkdir -p "$data"
        if [ "$(id -u)" -eq 0 ]; then
            chown postgres:postgres "$data"
            chmod 700 "$data"
            # The postgres user must be able to reach the data folder.
            [ "$data" = "$DATA_DIR/postgres" ] && chmod o+x "$DATA_DIR"
        fi
        local pwfile
        pwfile=$(mktemp)
        echo "$superuser_pw" > "$pwfile"
        [ "$(id -u)" -eq 0 ] && chown postgres "$pwfile"
        as_pg_user "$bin/initdb" -D "$data" -U postgres --pwfile="$pwfile" \
            --auth-local=scram-sha-256 --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
        rm -f "$pwfile"
    fi

    if ! as_pg_user "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
        step "Starting PostgreSQL on 127.0.0.1:$PG_PORT"
        as_pg_user "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
            -o "-p $PG_PORT -k $data -c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_buffers=256MB -c fsync=${PONTE_PG_FSYNC:-on}" \
            start >/dev/null || { tail -n 20 "$data/server.log"; die "PostgreSQL did not start"; }
    fi

    # The schema owner: runs migrations, may create databases (tests) and the
    # runtime role ponte_app.
    PGPASSWORD="$superuser_pw" "$bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -qtA -v ON_ERROR_STOP=1 >/dev/null <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ponte') THEN
    CREATE ROLE ponte LOGIN CREATEDB CREATEROLE PASSWORD '$owner_pw';
  END IF;
END \$\$;
SELECT 'CREATE DATABASE ponte OWNER ponte' WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'ponte')\gexec
SQL
    export DATABASE_URL="postgres://ponte:$owner_pw@127.0.0.1:$PG_PORT/ponte"
    PG_SUPERUSER_URL="postgres://postgres:$superuser_pw@127.0.0.1:$PG_PORT/postgres"
    export PG_SUPERUSER_URL
}

ensure_database() {
    if [ -n "${DATABASE_URL:-}" ]; then
        note "Using DATABASE_URL from the environment"
    else
        start_private_postgres
    fi
}
