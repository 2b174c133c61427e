#!/usr/bin/env bash
# Starts a private PostgreSQL cluster for the PostgreSQL tests (the outbox), on 127.0.0.1:15432 only (no other TCP
# address; its Unix socket is in DIR/run, so it never meets a system cluster's /var/run/postgresql/.s.PGSQL.5432).
#   role       mailsender / password mailsender (scram-sha-256 over TCP), LOGIN CREATEDB, not a superuser
#   databases  mailsender (owned by mailsender), mailsender_scratch (owned by mailsender; for tests that create and drop
#              schemas)
#   settings   max_connections=200, shared_buffers=128MB, fsync=on (the durability tests rely on it)
# The cluster is created from scratch each time (initdb into DIR/data, owned by the postgres OS user; initdb refuses to
# run as root, so initdb and pg_ctl run as postgres through runuser). The server log is DIR/log/postgres.log.
#
# Usage: sudo scripts/postgres/start.sh [DIR]   (DIR defaults to $MAILSENDER_POSTGRES_DIR or /tmp/mailsender-postgres)
# Writes DIR/postgres.env (MAILSENDER_POSTGRES and MAILSENDER_POSTGRES_SCRATCH, Npgsql connection strings) for the
# tests. Running it again restarts the cluster from an empty DIR. Stop it with scripts/postgres/stop.sh.
set -euo pipefail

dir=${1:-${MAILSENDER_POSTGRES_DIR:-/tmp/mailsender-postgres}}
script_dir=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib/instance.sh
. "$script_dir/../lib/instance.sh"
host=127.0.0.1
port=15432
user=mailsender
password=mailsender
database=mailsender
scratch_database=mailsender_scratch
marker=.mailsender-postgres

if [[ $(id -u) -ne 0 ]]; then
    echo "start.sh: run as root (initdb and pg_ctl run as the postgres user through runuser): sudo $0" >&2
    exit 1
fi
# The newest /usr/lib/postgresql/VERSION/bin with the server tools.
bin=
for candidate in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V); do
    if [[ -x $candidate/initdb && -x $candidate/pg_ctl && -x $candidate/postgres && -x $candidate/psql && -x $candidate/pg_isready ]]; then
        bin=$candidate
    fi
done
if [[ -z $bin ]] || ! id postgres >/dev/null 2>&1; then
    echo "start.sh: the PostgreSQL server binaries or the postgres user are missing; run scripts/postgres/install.sh first." >&2
    exit 1
fi
if [[ $dir != /* ]]; then
    dir=$(pwd)/$dir
fi

# as_postgres COMMAND... : runs a command as the postgres user, from DIR (postgres may not enter the caller's folder).
as_postgres() { (cd "$dir" && runuser -u postgres -- "$@"); }

# 1. Stop a previous cluster in the same folder, then start from an empty folder.
"$script_dir/stop.sh" "$dir"
fresh_instance_dir "$dir" "$marker" || exit 1
require_free_ports "$host" "$port" || exit 1

mkdir -p "$dir"/{data,run,log}
# The marker also tells stop.sh which pg_ctl to use.
echo "$bin" > "$dir/$marker"
# Readable by everyone (the tests may run as another user); the data folder must be private to postgres (0700).
chmod 755 "$dir" "$dir/log"
chmod 644 "$dir/$marker"
parent=$dir
while [[ $parent != / ]]; do
    parent=$(dirname "$parent")
    if ! runuser -u postgres -- test -x "$parent"; then
        echo "start.sh: the postgres user cannot enter $parent; choose a folder under a world-executable path (e.g. /tmp)." >&2
        exit 1
    fi
done
chown postgres:postgres "$dir/data" "$dir/run"
chmod 700 "$dir/data"
chmod 755 "$dir/run"
log=$dir/log/postgres.log
install -o postgres -g postgres -m 644 /dev/null "$log"

# 2. A new cluster: peer authentication on the socket (only the postgres OS user, for the set-up below), scram-sha-256
# over TCP (pg_hba only has 127.0.0.1/32 and ::1/128 host lines). No password for the postgres superuser, so it cannot
# log in over TCP at all.
echo "start.sh: creating the cluster in $dir/data ($("$bin/postgres" --version))"
if ! as_postgres "$bin/initdb" --pgdata="$dir/data" --username=postgres --encoding=UTF8 --locale=C.UTF-8 \
    --auth-local=peer --auth-host=scram-sha-256 >"$dir/log/initdb.log" 2>&1; then
    echo "start.sh: initdb failed; its output follows." >&2
    cat "$dir/log/initdb.log" >&2
    exit 1
fi
# Later lines win over initdb's defaults above them.
cat >> "$dir/data/postgresql.conf" <<CONF

# Private cluster for MailSender's PostgreSQL tests (appended by scripts/postgres/start.sh).
listen_addresses = '$host'
port = $port
unix_socket_directories = '$dir/run'
max_connections = 200
shared_buffers = 128MB
fsync = on
synchronous_commit = on
full_page_writes = on
password_encryption = scram-sha-256
logging_collector = off
log_line_prefix = '%m [%p] %q%u@%d '
log_min_messages = warning
CONF

# 3. Start, and wait until it answers on 127.0.0.1.
fail() {
    echo "start.sh: $1; the end of $log follows." >&2
    tail -n 40 "$log" >&2 || true
    exit 1
}
# pg_ctl starts the postmaster in its own session, so it outlives this script.
as_postgres "$bin/pg_ctl" --pgdata="$dir/data" --log="$log" --wait --timeout=30 start >/dev/null \
    || fail "pg_ctl start failed"
deadline=$((SECONDS + 30))
until "$bin/pg_isready" --quiet --host="$host" --port="$port" --timeout=2; do
    if (( SECONDS >= deadline )); then
        fail "PostgreSQL does not answer on $host:$port after 30 s (pg_isready)"
    fi
    sleep 0.2
done

# 4. The test role and its two databases, created over the socket as postgres (peer authentication).
as_postgres "$bin/psql" --host="$dir/run" --port="$port" --username=postgres --dbname=postgres \
    --no-psqlrc --quiet --set=ON_ERROR_STOP=1 >/dev/null <<SQL || fail "creating the role and the databases failed"
CREATE ROLE $user LOGIN CREATEDB PASSWORD '$password';
CREATE DATABASE $database OWNER $user;
CREATE DATABASE $scratch_database OWNER $user;
SQL

# 5. Check what the tests will do: log in over TCP with the password, in both databases.
for db in "$database" "$scratch_database"; do
    answer=$(PGPASSWORD=$password PGCONNECT_TIMEOUT=5 "$bin/psql" --host="$host" --port="$port" --username="$user" \
        --dbname="$db" --no-psqlrc --tuples-only --no-align --command='select current_user || $$@$$ || current_database()' 2>&1) \
        || fail "$user cannot log in to $db over TCP: $answer"
    if [[ $answer != "$user@$db" ]]; then
        fail "unexpected answer from $db: $answer"
    fi
done

# 6. What the tests need (they read this file; override its folder with MAILSENDER_POSTGRES_DIR, or set
# MAILSENDER_POSTGRES itself).
connection="Host=$host;Port=$port;Username=$user;Password=$password"
cat > "$dir/postgres.env" <<ENV
# Written by scripts/postgres/start.sh. A throw-away test role on a loopback-only PostgreSQL (Npgsql connection strings).
MAILSENDER_POSTGRES=$connection;Database=$database
MAILSENDER_POSTGRES_SCRATCH=$connection;Database=$scratch_database
ENV
chmod 644 "$dir/postgres.env"
echo "start.sh: ready: PostgreSQL $("$bin/postgres" --version | sed 's/.*) //') on $host:$port (socket $dir/run, data $dir/data, log $log), role $user, databases $database and $scratch_database; the tests read $dir/postgres.env (stop with scripts/postgres/stop.sh)."
