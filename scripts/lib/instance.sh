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
