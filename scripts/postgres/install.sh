#!/usr/bin/env bash
# Installs what the PostgreSQL tests (the outbox) need: Debian's PostgreSQL server binaries (initdb, pg_ctl, postgres,
# psql, pg_isready under /usr/lib/postgresql/VERSION/bin). Nothing is started and no system cluster is used:
# scripts/postgres/start.sh runs a private cluster from its own folder on 127.0.0.1:15432.
# Idempotent and quick when the binaries are already there; otherwise installs the `postgresql` package (run as root
# on Debian/Ubuntu; the package's own cluster is created but, as with the other install scripts, not started).
#
# Usage: sudo scripts/postgres/install.sh
set -euo pipefail

# shellcheck source=../lib/apt.sh
source "$(dirname "$0")/../lib/apt.sh"

# The newest /usr/lib/postgresql/VERSION/bin that has the server tools, or nothing.
find_bin() {
    local bin found=
    for bin in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V); do
        if [[ -x $bin/initdb && -x $bin/pg_ctl && -x $bin/postgres && -x $bin/psql && -x $bin/pg_isready ]]; then
            found=$bin
        fi
    done
    echo "$found"
}

bin=$(find_bin)
if [[ -n $bin ]]; then
    echo "install.sh: PostgreSQL server binaries found in $bin."
else
    apt_install install.sh postgresql
    bin=$(find_bin)
    if [[ -z $bin ]]; then
        echo "install.sh: no initdb/pg_ctl/postgres/psql/pg_isready under /usr/lib/postgresql/*/bin after installing postgresql." >&2
        exit 1
    fi
fi
if ! id postgres >/dev/null 2>&1; then
    echo "install.sh: the postgres OS user is missing (the postgresql-common package creates it)." >&2
    exit 1
fi
require_executables install.sh /usr/sbin/runuser
echo "install.sh: ready ($("$bin/postgres" --version), in $bin)."
