#!/usr/bin/env bash
# Runs the throughput harness (issue #3) for 2 KB and 100 KB messages, plain SMTP and implicit TLS, against a
# local smtp-sink (and stunnel) the harness starts itself, and saves for each run:
#   OUTDIR/throughput-{plain,tls}-{2048,102400}.json   the JSON array (stdout of --json)
#   OUTDIR/throughput-{plain,tls}-{2048,102400}.txt    progress, the table with ratios and notes (stderr)
#   OUTDIR/machine.txt                                  cores, CPU model, .NET SDK, load, commit (to quote with the results)
#
# Usage: scripts/bench/run-throughput.sh OUTDIR [extra harness arguments, e.g. --modes mailsender,mailkit-reuse]
# Environment: MESSAGES_2048 (default 5000), MESSAGES_102400 (default 1000), REPEAT (default 5), MAX_SECONDS (default 10).
# Needs scripts/bench/install.sh first (postfix for smtp-sink/smtp-source, stunnel4, openssl).
set -euo pipefail

if [[ $# -lt 1 ]]; then
    sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
fi

out_dir=$1
shift
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
project="$repo/benchmarks/MailSender.Benchmarks"
mkdir -p "$out_dir"
out_dir=$(cd "$out_dir" && pwd)

if [[ ! -x /usr/sbin/smtp-sink ]]; then
    echo "run-throughput.sh: /usr/sbin/smtp-sink is missing; run scripts/bench/install.sh as root first." >&2
    exit 1
fi

# What the numbers were measured on: quote it with them.
{
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "nproc: $(nproc)"
    echo "cpu: $(grep -m 1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    echo "dotnet sdk: $(dotnet --version)"
    echo "kernel: $(uname -r)"
    echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "commit: $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$repo" diff --quiet HEAD -- src 2>/dev/null || echo ' (src/ has uncommitted changes)')"
    echo "arguments: MESSAGES_2048=${MESSAGES_2048:-5000} MESSAGES_102400=${MESSAGES_102400:-1000} REPEAT=${REPEAT:-5} MAX_SECONDS=${MAX_SECONDS:-10} $*"
} > "$out_dir/machine.txt"

# Build once; each run below then starts the built harness without rebuilding.
dotnet build "$project" -c Release --nologo -v quiet

status=0
for size in 2048 102400; do
    messages_var="MESSAGES_$size"
    if [[ $size == 2048 ]]; then default_messages=5000; else default_messages=1000; fi
    messages=${!messages_var:-$default_messages}
    for transport in plain tls; do
        name="throughput-$transport-$size"
        tls_arg=()
        [[ $transport == tls ]] && tls_arg=(--tls)
        echo "run-throughput.sh: $name ($messages messages x ${REPEAT:-5} repetitions)" >&2
        if dotnet run -c Release --no-build --project "$project" -- throughput "${tls_arg[@]}" \
            --messages "$messages" --size "$size" --repeat "${REPEAT:-5}" --max-seconds "${MAX_SECONDS:-10}" --json "$@" \
            > "$out_dir/$name.json" 2> "$out_dir/$name.txt"; then
            # The table is the tail of the log, from its title line on.
            sed -n '/^Throughput to /,$p' "$out_dir/$name.txt" >&2
        else
            code=$?
            echo "run-throughput.sh: $name failed with exit code $code; see $out_dir/$name.txt" >&2
            tail -n 5 "$out_dir/$name.txt" >&2
            status=1
        fi
        echo >&2
    done
done

echo "run-throughput.sh: results in $out_dir" >&2
exit $status
