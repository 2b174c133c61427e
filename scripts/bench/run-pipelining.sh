#!/usr/bin/env bash
# Reproduces the pipelining table of docs/benchmarks.md (issue 12): medians of REPEAT interleaved rounds after a
# priming round (reported as "first round"), per-round ratios with their spread, round trips per message counted by
# the harness's delay proxy. Writes OUTDIR/<scenario>.txt (table) and OUTDIR/<scenario>.json for each scenario:
#   postfix-rtt20-1caller    RTT 20 ms, one connection, 2 KB, Postfix (PIPELINING + CHUNKING): on, aggressive vs MailKit
#   postfix-rtt20-16callers  the same with 16 concurrent callers on the one connection
#   sink-rtt20-16callers     RTT 20 ms, one connection, 16 callers, smtp-sink (PIPELINING only): mailsender vs nodemailer
#   loopback-2k, loopback-100k   no delay, 8 connections: mailsender vs MailKit vs smtp-source -d -s 8
#   loopback-tls-2k          the same over implicit TLS (stunnel in front of smtp-sink), mailsender vs MailKit
#   sink-tls-rtt20-1caller, sink-tls-rtt20-16callers   RTT 20 ms over implicit TLS (stunnel + smtp-sink: PIPELINING,
#                            no CHUNKING): mailsender vs MailKit vs nodemailer. Postfix's TLS ports require AUTH, which
#                            the MailKit and smtp-source modes do not do, so aggressive (BDAT) over TLS is not measured.
#
# Usage: sudo scripts/bench/run-pipelining.sh OUTDIR
# Environment: REPEAT (default 3), MESSAGES_RTT (default 150), MESSAGES_LOOPBACK (default 20000), MAX_SECONDS (default 8).
# Needs: scripts/bench/install.sh (smtp-sink, smtp-source, stunnel), a running project Postfix (scripts/postfix/start.sh), node.
set -euo pipefail

if [[ $# -lt 1 ]]; then
    sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
fi

out=$1
mkdir -p "$out"
out=$(cd "$out" && pwd)
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
repeat=${REPEAT:-3}
rtt_messages=${MESSAGES_RTT:-150}
loopback_messages=${MESSAGES_LOOPBACK:-20000}
max_seconds=${MAX_SECONDS:-8}

dotnet build "$repo/benchmarks/MailSender.Benchmarks" -c Release -warnaserror >/dev/null
harness=("dotnet" "$repo/benchmarks/MailSender.Benchmarks/bin/Release/net10.0/MailSender.Benchmarks.dll" "throughput")

{
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "nproc: $(nproc)"
    echo "cpu: $(grep -m 1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    echo "dotnet sdk: $(dotnet --version); node: $(node --version 2>/dev/null || echo none)"
    echo "commit: $(git -C "$repo" rev-parse --short HEAD)"
    echo "REPEAT=$repeat MESSAGES_RTT=$rtt_messages MESSAGES_LOOPBACK=$loopback_messages MAX_SECONDS=$max_seconds"
} > "$out/machine.txt"

run() {
    local name=$1
    shift
    echo "== $name: throughput $*" >&2
    "${harness[@]}" --json --repeat "$repeat" --max-seconds "$max_seconds" "$@" > "$out/$name.json" 2> "$out/$name.txt"
    tail -n +1 "$out/$name.txt" | grep -A 20 '^Throughput to' >&2 || true
}

run postfix-rtt20-1caller --server postfix --rtt 20 --connections 1 --messages "$rtt_messages" --size 2048 \
    --modes mailkit-reuse,mailsender,mailsender-aggressive,smtp-source
run postfix-rtt20-16callers --server postfix --rtt 20 --connections 1 --callers 16 --messages "$((rtt_messages * 4))" --size 2048 \
    --modes mailkit-reuse,mailsender,mailsender-aggressive
run sink-rtt20-16callers --rtt 20 --connections 1 --callers 16 --messages "$((rtt_messages * 4))" --size 2048 \
    --modes nodemailer,mailsender --baseline nodemailer
run loopback-2k --connections 8 --messages "$loopback_messages" --size 2048 \
    --modes mailkit-reuse,mailsender,mailsender-aggressive,smtp-source --mailsender-params maxMessagesPerConnection=1000000
run loopback-100k --connections 8 --messages "$((loopback_messages / 10))" --size 102400 \
    --modes mailkit-reuse,mailsender,smtp-source --mailsender-params maxMessagesPerConnection=1000000 --baseline smtp-source
run loopback-tls-2k --tls --connections 8 --messages "$loopback_messages" --size 2048 \
    --modes mailkit-reuse,mailsender --mailsender-params maxMessagesPerConnection=1000000
run sink-tls-rtt20-1caller --tls --rtt 20 --connections 1 --messages "$rtt_messages" --size 2048 \
    --modes mailkit-reuse,mailsender,nodemailer
run sink-tls-rtt20-16callers --tls --rtt 20 --connections 1 --callers 16 --messages "$((rtt_messages * 4))" --size 2048 \
    --modes mailkit-reuse,mailsender,nodemailer
echo "results in $out" >&2
