#!/usr/bin/env bash
# Shared by the install scripts (sourced, not run): installs Debian packages without starting daemons, and keeps a
# system Postfix from running. Idempotent; needs root.

# apt_install NAME PACKAGE... : installs the packages that are missing; NAME prefixes the messages.
apt_install() {
    local name=$1
    shift
    if [[ $(id -u) -ne 0 ]]; then
        echo "$name: run as root (apt-get install)." >&2
        return 1
    fi

    local package missing=()
    for package in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
            missing+=("$package")
        fi
    done
    if [[ ${#missing[@]} -eq 0 ]]; then
        echo "$name: $* already installed."
        return 0
    fi

    echo "$name: installing ${missing[*]}"
    # "No configuration": Postfix installs its binaries but sets up no system MTA (no main.cf, nothing listening).
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    export DEBIAN_FRONTEND=noninteractive
    # Other builds may hold the dpkg lock; wait for it rather than fail.
    local apt_options=(-o DPkg::Lock::Timeout=600 -o Acquire::Retries=3)

    # Only refresh the package lists when apt has none yet or cannot find a candidate.
    if ! apt-cache policy "${missing[@]}" 2>/dev/null | grep -q "Candidate: [0-9]" \
        || apt-cache policy "${missing[@]}" 2>/dev/null | grep -q "Candidate: (none)"; then
        apt-get "${apt_options[@]}" update
    fi

    # Keep maintainer scripts from starting daemons (no systemd here; invoke-rc.d honours policy-rc.d).
    local policy=/usr/sbin/policy-rc.d created_policy=false status=0
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\nexit 101\n' > "$policy"
        chmod 755 "$policy"
        created_policy=true
    fi
    apt-get "${apt_options[@]}" install -y --no-install-recommends "${missing[@]}" || status=$?
    if [[ $created_policy == true ]]; then
        rm -f "$policy"
    fi
    return "$status"
}

# stop_system_postfix NAME : stops the default Postfix instance a package may have started (private
# `postfix -c DIR` instances are left alone).
stop_system_postfix() {
    local pid_file=/var/spool/postfix/pid/master.pid
    if [[ -s $pid_file ]] && kill -0 "$(tr -d ' ' < "$pid_file")" 2>/dev/null; then
        echo "$1: stopping the system Postfix started by the package."
        postfix stop || kill -TERM "$(tr -d ' ' < "$pid_file")"
    fi
}

# require_executables NAME PATH... : fails naming the first program that is missing after installation.
require_executables() {
    local name=$1 tool
    shift
    for tool in "$@"; do
        if [[ ! -x $tool ]]; then
            echo "$name: $tool is missing after installation." >&2
            return 1
        fi
    done
}
