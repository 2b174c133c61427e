#!/usr/bin/env bash
# Stops the private PostgreSQL cluster started by scripts/postgres/start.sh (pg_ctl stop -m fast, as the postgres
# user). Does nothing when no cluster runs from DIR. Removes DIR/postgres.env, so the tests are not pointed at a
# server that is gone; keeps the data folder and the log for inspection unless --remove is given.
# Usage: sudo scripts/postgres/stop.sh [--remove] [DIR]   (DIR defaults to $MAILSENDER_POSTGRES_DIR or
#        /tmp/mailsender-postgres; --remove also deletes DIR/data)
set -euo pipefail

remove=false
if [[ ${1:-} == --remove ]]; then
    remove=true
    shift
fi
dir=${1:-${MAILSENDER_POSTGRES_DIR:-/tmp/mailsender-postgres}}
marker=.mailsender-postgres
if [[ $dir != /* ]]; then
    dir=$(pwd)/$dir
fi

rm -f "$dir/postgres.env"

# The postmaster's pid is the first line of postmaster.pid.
pid=$(head -n 1 "$dir/data/postmaster.pid" 2>/dev/null | tr -d ' \n' || true)
if [[ -z $pid ]] || ! kill -0 "$pid" 2>/dev/null; then
    echo "stop.sh: no PostgreSQL running from $dir."
else
    if [[ $(id -u) -ne 0 ]]; then
        echo "stop.sh: run as root (pg_ctl runs as the postgres user through runuser): sudo $0" >&2
        exit 1
    fi
    # The pg_ctl start.sh used (recorded in the marker), else the newest one installed.
    bin=$(cat "$dir/$marker" 2>/dev/null || true)
    if [[ ! -x $bin/pg_ctl ]]; then
        bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    fi
    echo "stop.sh: stopping PostgreSQL (postmaster pid $pid) from $dir"
    if ! (cd "$dir" && runuser -u postgres -- "$bin/pg_ctl" --pgdata="$dir/data" --mode=fast --wait --timeout=30 stop >/dev/null); then
        echo "stop.sh: pg_ctl stop failed; sending SIGQUIT (immediate shutdown) to $pid." >&2
        kill -QUIT "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            echo "stop.sh: the postmaster $pid did not exit; killing it." >&2
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    echo "stop.sh: stopped."
fi

if [[ $remove == true && -d $dir/data ]]; then
    if [[ ! -e $dir/$marker ]]; then
        echo "stop.sh: $dir was not created by scripts/postgres/start.sh; not removing $dir/data." >&2
        exit 1
    fi
    rm -rf "$dir/data"
    echo "stop.sh: removed $dir/data."
fi
