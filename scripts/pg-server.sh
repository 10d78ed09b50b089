#!/usr/bin/env bash
# A throw-away PostgreSQL server for the tests, on a free loopback port.
#
#   scripts/pg-server.sh start DIR   initdb DIR/data, start the server, print its URL
#   scripts/pg-server.sh stop DIR    stop it (DIR can then be deleted)
#
# Uses the newest /usr/lib/postgresql/*/bin (Debian's layout) or initdb on PATH,
# installing Debian's `postgresql` package when neither exists. As root, the
# server runs as the `postgres` user (initdb refuses root). Trust
# authentication on loopback and a socket inside the data dir: for tests only.
set -euo pipefail

cmd=${1:?start|stop}
dir=${2:?directory}

pg_bin() {
    local d
    d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -n "$d" ] && [ -x "$d/initdb" ]; then
        echo "$d"
    elif command -v initdb >/dev/null 2>&1; then
        dirname "$(command -v initdb)"
    fi
}

as_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

case "$cmd" in
start)
    bin=$(pg_bin)
    if [ -z "$bin" ]; then
        echo "pg-server: installing postgresql (Debian package)" >&2
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; } >&2
        bin=$(pg_bin)
    fi
    [ -n "$bin" ] || { echo "pg-server: no initdb found" >&2; exit 1; }
    if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
        useradd --system --user-group --no-create-home postgres
    fi
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    "$0" stop "$dir"
    data="$dir/data"
    rm -rf "$data"
    if [ "$(id -u)" = 0 ]; then
        chown postgres "$dir"
        if ! runuser -u postgres -- test -w "$dir"; then
            # e.g. a checkout under /root: the server's files go to /tmp instead.
            data=$(mktemp -d /tmp/jobmirror-pg.XXXXXX)/data
            chown postgres "$(dirname "$data")"
        fi
    fi
    echo "$data" >"$dir/data-path"
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_owner "$bin/initdb" -D "$data" -U jobmirror --auth=trust -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    as_owner "$bin/pg_ctl" -D "$data" -l "$data/../server.log" -w -t 60 \
        -o "-p $port -k $data -c listen_addresses=127.0.0.1 -c max_connections=400 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >/dev/null || { cat "$data/../server.log" >&2; exit 1; }
    echo "$bin" >"$dir/bin"
    echo "postgres://jobmirror@127.0.0.1:$port/postgres"
    ;;
stop)
    if [ -f "$dir/bin" ] && [ -f "$dir/data-path" ]; then
        as_owner "$(cat "$dir/bin")/pg_ctl" -D "$(cat "$dir/data-path")" -m immediate stop >/dev/null 2>&1 || true
        rm -f "$dir/data-path"
    fi
    ;;
*)
    echo "usage: $0 start|stop DIR" >&2
    exit 2
    ;;
esac
