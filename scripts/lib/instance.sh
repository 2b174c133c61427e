#!/usr/bin/env bash
# Shared by the start scripts of the local test servers (sourced, not run).

# fresh_instance_dir DIR MARKER : empties DIR for a new instance, refusing to wipe a folder the scripts did not create
# (one without MARKER that holds anything, e.g. a mistyped MAILSENDER_POSTFIX_DIR).
fresh_instance_dir() {
    local dir=$1 marker=$2
    if [[ -e $dir ]]; then
        if [[ ! -e $dir/$marker ]] && [[ -n $(ls -A "$dir") ]]; then
            echo "start.sh: $dir exists and was not created by this script; choose another folder." >&2
            return 1
        fi
        rm -rf "$dir"
    fi
}

# require_free_ports HOST PORT... : fails when something already listens on one of the ports.
require_free_ports() {
    local host=$1 port
    shift
    for port in "$@"; do
        if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then
            echo "start.sh: something else already listens on $host:$port; stop it first." >&2
            return 1
        fi
    done
}

# stop_pid_file NAME FILE : stops the process whose id FILE holds (TERM, then KILL after 5 s) and removes FILE.
stop_pid_file() { # NAME FILE
    local name=$1 file=$2 pid
    pid=$(tr -d ' \n' 2>/dev/null < "$file" || true)
    if [[ -z $pid ]] || ! kill -0 "$pid" 2>/dev/null; then
        return 0
    fi
    echo "stop.sh: stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        echo "stop.sh: $name (pid $pid) did not exit after 5 s; killing it." >&2
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$file"
}
