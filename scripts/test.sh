#!/usr/bin/env bash
# Portico: run every check and test (this is the README's test command).
#
#   scripts/test.sh [extra args passed to cargo test / cargo nextest run]
#
# Environment:
#   PORTICO_TEST_POSTGRES_URL  use this PostgreSQL instead of starting a throwaway one
#   PORTICO_USE_NEXTEST=1      use `cargo nextest run` (when installed) instead of `cargo test`
#
# Exports for the tests:
#   PORTICO_TEST_POSTGRES_URL  postgres://postgres@127.0.0.1:PORT/postgres (throwaway cluster)
#   PORTICO_TEST_CHROMEDRIVER  /usr/bin/chromedriver (when chromium + chromedriver are installed)
#   PORTICO_TEST_CHROMIUM      /usr/bin/chromium
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PG_USER=portico-pg

log() { printf '[test.sh %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
warn() { printf '[test.sh %s] WARNING: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# ---------------------------------------------------------------------------
# Throwaway PostgreSQL cluster
# ---------------------------------------------------------------------------
PG_TMP=""
PG_BIN=""
PG_STARTED=0

# Run a PostgreSQL server command (initdb, pg_ctl, ...) as the cluster owner.
# PostgreSQL refuses to run as root, so as root we use a dedicated system user.
pg_run() {
    if [ "$(id -u)" -eq 0 ]; then
        (cd "$PG_TMP" && runuser -u "$PG_USER" -- "$@")
    else
        (cd "$PG_TMP" && "$@")
    fi
}

pg_cleanup() {
    local rc=$?
    trap - EXIT
    set +e
    if [ -n "$PG_TMP" ] && [ -d "$PG_TMP" ]; then
        if [ "$PG_STARTED" -eq 1 ] || [ -f "$PG_TMP/data/postmaster.pid" ]; then
            log "stopping throwaway PostgreSQL"
            if ! pg_run "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -m fast -w -t 30 stop >/dev/null 2>&1; then
                pg_run "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -m immediate -w -t 15 stop >/dev/null 2>&1
            fi
            # Last resort: kill the postmaster by the pid it recorded.
            if [ -f "$PG_TMP/data/postmaster.pid" ]; then
                local pid
                pid="$(head -n 1 "$PG_TMP/data/postmaster.pid" 2>/dev/null)"
                if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
                    kill -9 "$pid" 2>/dev/null
                    sleep 1
                fi
            fi
        fi
        rm -rf "$PG_TMP"
    fi
    exit "$rc"
}

find_pg_bin() {
    local d
    # Newest /usr/lib/postgresql/<version>/bin first (Debian layout), then PATH.
    for d in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V -r); do
        if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ]; then
            echo "$d"
            return 0
        fi
    done
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        d="$(dirname "$(command -v pg_ctl)")"
        if [ -x "$d/initdb" ]; then
            echo "$d"
            return 0
        fi
    fi
    return 1
}

free_port() {
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' && return 0
    fi
    local p _
    for _ in $(seq 1 200); do
        p=$((20000 + RANDOM % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return 0
        fi
    done
    return 1
}

ensure_pg_user() {
    if id -u "$PG_USER" >/dev/null 2>&1; then
        return 0
    fi
    log "creating system user $PG_USER (PostgreSQL will not run as root)"
    # Tolerate a concurrent run having created it in the meantime.
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$PG_USER" 2>/dev/null ||
        id -u "$PG_USER" >/dev/null
}

start_postgres() {
    local as_root=0
    if [ "$(id -u)" -eq 0 ]; then
        ensure_pg_user
        as_root=1
    fi

    PG_TMP="$(mktemp -d "${TMPDIR:-/tmp}/portico-pg.XXXXXX")"
    trap pg_cleanup EXIT
    if [ "$as_root" -eq 1 ]; then
        chown "$PG_USER:" "$PG_TMP"
        chmod 700 "$PG_TMP"
        # The cluster owner must be able to reach the directory (e.g. TMPDIR under /root).
        if ! runuser -u "$PG_USER" -- test -w "$PG_TMP" 2>/dev/null; then
            rm -rf "$PG_TMP"
            PG_TMP="$(mktemp -d /tmp/portico-pg.XXXXXX)"
            chown "$PG_USER:" "$PG_TMP"
            chmod 700 "$PG_TMP"
        fi
    fi
    pg_run mkdir -p "$PG_TMP/sock"

    log "initdb ($PG_BIN) in $PG_TMP"
    if ! pg_run "$PG_BIN/initdb" -D "$PG_TMP/data" -U postgres --auth=trust \
        --encoding=UTF8 --locale=C --no-sync >"$PG_TMP/initdb.log" 2>&1; then
        cat "$PG_TMP/initdb.log" >&2
        echo "initdb failed" >&2
        return 1
    fi

    local attempt port
    for attempt in 1 2 3 4 5; do
        port="$(free_port)"
        cat >"$PG_TMP/data/postgresql.auto.conf" <<EOF
# written by scripts/test.sh (throwaway test cluster)
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$PG_TMP/sock'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
        if [ "$as_root" -eq 1 ]; then chown "$PG_USER:" "$PG_TMP/data/postgresql.auto.conf"; fi
        if pg_run "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -l "$PG_TMP/postgres.log" -w -t 60 start >/dev/null 2>&1; then
            PG_STARTED=1
            export PORTICO_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
            log "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') listening on 127.0.0.1:$port"
            return 0
        fi
        warn "PostgreSQL failed to start on port $port (attempt $attempt)"
        tail -n 20 "$PG_TMP/postgres.log" >&2 2>/dev/null || true
    done
    echo "could not start throwaway PostgreSQL" >&2
    return 1
}

trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

if [ -n "${PORTICO_TEST_POSTGRES_URL:-}" ]; then
    log "using PostgreSQL from PORTICO_TEST_POSTGRES_URL"
elif PG_BIN="$(find_pg_bin)"; then
    start_postgres
else
    warn "no PostgreSQL server binaries (initdb/pg_ctl) found and PORTICO_TEST_POSTGRES_URL is not set:"
    warn "PostgreSQL tests will be SKIPPED (apt-get install postgresql to run them)"
fi

# ---------------------------------------------------------------------------
# Browser (the Rust tests start chromedriver themselves)
# ---------------------------------------------------------------------------
if [ -x /usr/bin/chromedriver ] && [ -x /usr/bin/chromium ]; then
    export PORTICO_TEST_CHROMEDRIVER=/usr/bin/chromedriver
    export PORTICO_TEST_CHROMIUM=/usr/bin/chromium
    log "browser tests: chromium + chromedriver found"
else
    warn "/usr/bin/chromium and /usr/bin/chromedriver not both found: browser tests will be SKIPPED"
    warn "(apt-get install chromium chromium-driver to run them)"
fi

# ---------------------------------------------------------------------------
# Checks and tests
# ---------------------------------------------------------------------------
log "cargo fmt --all -- --check"
cargo fmt --all -- --check

log "cargo clippy --workspace --all-targets --locked -- -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

if [ "${PORTICO_USE_NEXTEST:-0}" = "1" ] && cargo nextest --version >/dev/null 2>&1; then
    log "cargo nextest run --workspace --locked $*"
    cargo nextest run --workspace --locked "$@"
else
    log "cargo test --workspace --locked $*"
    cargo test --workspace --locked "$@"
fi

log "all checks and tests passed"
