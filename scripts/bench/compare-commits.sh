#!/usr/bin/env bash
# Did a change make MailSender slower? Builds the throughput harness (benchmarks/MailSender.Benchmarks) at two
# revisions, in detached git worktrees under a temporary folder (the repository's own working tree and index are
# never touched), then runs both builds alternately in the same session so their figures are comparable.
#
# Usage: scripts/bench/compare-commits.sh BASE_REV HEAD_REV OUTDIR [extra harness arguments, e.g. --prime-seconds 3]
#   BASE_REV, HEAD_REV  any git revision; HEAD_REV may be WORKTREE: HEAD plus the uncommitted files of this checkout.
# Environment: MESSAGES_2048 (default 5000), MESSAGES_102400 (default 1000), MAX_SECONDS (default 10),
#   REPEAT (default 5): runs per revision and configuration, alternating base and head (ORDER=abba: B H, H B, ...;
#     ORDER=abab: B H, B H, ...); INNER_REPEAT (default 1): the harness's own --repeat within each run;
#   MODES (default mailsender,mailkit-reuse; mailkit-reuse is the control), SIZES (default "2048 102400"),
#   TRANSPORTS (default "plain tls"), RUN_TIMEOUT (default 1800 s per run), KEEP_TREES=1 keeps the worktrees.
# Each run is one harness process with every mode x connection count (1, 4, 8) of one configuration
# (plain/tls x size). Runs bounded by time rather than by count, e.g. MESSAGES_2048=1000000 MESSAGES_102400=1000000
# MAX_SECONDS=3, are primed for the full --prime-seconds (priming stops at --messages too) and time the same
# interval whatever the speed; a small message count times a fraction of a second and can catch the JIT still busy.
# Writes OUTDIR/machine.txt, OUTDIR/runs.tsv, OUTDIR/runs/CONFIG/rROUND-{base,head}.{json,txt}, the build logs,
# and OUTDIR/summary.md (also printed): medians, head/base ratios and ranges (scripts/bench/compare-commits.py).
# Needs scripts/bench/install.sh first (postfix for smtp-sink, stunnel4, openssl) and python3.
# Example (about 4.5 min on 2 cores): MESSAGES_2048=1500 MESSAGES_102400=300 REPEAT=3 MAX_SECONDS=5 \
#     scripts/bench/compare-commits.sh HEAD~1 HEAD /tmp/bench-compare
set -euo pipefail

if [[ $# -lt 3 ]]; then
    # The comment block above, without its "# ".
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2
    exit 2
fi

base_rev=$1
head_rev=$2
out_dir=$3
shift 3
harness_args=("$@")

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(git -C "$script_dir" rev-parse --show-toplevel)
# Read-only git: never take the index lock or refresh the index of the checkout someone may be working in.
git_ro() { git --no-optional-locks -C "$repo" "$@"; }

messages_2048=${MESSAGES_2048:-5000}
messages_102400=${MESSAGES_102400:-1000}
max_seconds=${MAX_SECONDS:-10}
repeat=${REPEAT:-5}
inner_repeat=${INNER_REPEAT:-1}
modes=${MODES:-mailsender,mailkit-reuse}
sizes=${SIZES:-2048 102400}
transports=${TRANSPORTS:-plain tls}
order=${ORDER:-abba}
run_timeout=${RUN_TIMEOUT:-1800}
project_rel=benchmarks/MailSender.Benchmarks

die() { echo "compare-commits.sh: $*" >&2; exit 1; }
log() { echo "compare-commits.sh: $*" >&2; }

[[ $order == abba || $order == abab ]] || die "ORDER must be abba or abab, not '$order'."
for n in "$messages_2048" "$messages_102400" "$max_seconds" "$repeat" "$inner_repeat" "$run_timeout"; do
    [[ $n =~ ^[1-9][0-9]*$ ]] || die "MESSAGES_*, MAX_SECONDS, REPEAT, INNER_REPEAT and RUN_TIMEOUT must be positive whole numbers ('$n')."
done
for size in $sizes; do
    [[ $size =~ ^[1-9][0-9]*$ ]] || die "SIZES must be whole numbers ('$size')."
done
for transport in $transports; do
    [[ $transport == plain || $transport == tls ]] || die "TRANSPORTS may list plain and tls, not '$transport'."
done
[[ -x /usr/sbin/smtp-sink ]] || die "/usr/sbin/smtp-sink is missing; run scripts/bench/install.sh as root first."
command -v python3 > /dev/null || die "python3 is needed for the summary."
[[ -f $script_dir/compare-commits.py ]] || die "$script_dir/compare-commits.py is missing."

# Resolve both revisions now, so the run names commits, not moving names like HEAD or a branch.
resolve() {
    if [[ $1 == WORKTREE ]]; then
        git_ro rev-parse --verify --quiet 'HEAD^{commit}'
    else
        git_ro rev-parse --verify --quiet "$1^{commit}" || die "'$1' is not a commit in $repo."
    fi
}
base_commit=$(resolve "$base_rev")
head_commit=$(resolve "$head_rev")
[[ $base_rev != WORKTREE ]] || die "only HEAD_REV may be WORKTREE."
describe() {  # describe REV COMMIT: one line naming the commit
    local text
    text="$(git_ro log -1 --format='%h %H (%cs) %s' "$2")"
    [[ $1 == WORKTREE ]] && text="working tree of $repo at $(date -u +%H:%M:%SZ), on top of $text"
    echo "$text"
}

mkdir -p "$out_dir"
out_dir=$(cd "$out_dir" && pwd)
[[ ! -e $out_dir/runs.tsv ]] || die "$out_dir already holds a comparison (runs.tsv); pick another OUTDIR."
mkdir -p "$out_dir/runs"

work=$(mktemp -d "${TMPDIR:-/tmp}/mailsender-compare.XXXXXX")
declare -A tree=([base]="$work/base" [head]="$work/head")
added_worktrees=()
child=""
cleanup() {
    local path
    # Interrupted during a run: stop it (timeout passes the signal on; the harness then stops its sink and stunnel).
    if [[ -n $child ]] && kill -0 "$child" 2> /dev/null; then
        kill -TERM "$child" 2> /dev/null || true
        wait "$child" 2> /dev/null || true
    fi
    if [[ ${KEEP_TREES:-0} == 1 ]]; then
        log "kept the worktrees in $work (remove with: git worktree remove --force PATH)"
        return
    fi
    for path in "${added_worktrees[@]}"; do
        git -C "$repo" worktree remove --force "$path" 2> /dev/null || rm -rf "$path"
    done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A detached worktree of COMMIT at PATH (only .git/worktrees/ of the repository is written, and removed on exit).
add_tree() {
    git -C "$repo" worktree add --quiet --detach "$1" "$2"
    added_worktrees+=("$1")
}
add_tree "${tree[base]}" "$base_commit"
add_tree "${tree[head]}" "$head_commit"

if [[ $head_rev == WORKTREE ]]; then
    # Overlay this checkout's working tree (tracked and untracked files, not ignored ones such as bin/ and obj/)...
    (cd "$repo" && git --no-optional-locks ls-files -z --cached --others --exclude-standard \
        | while IFS= read -r -d '' f; do [[ -e $f || -L $f ]] && printf '%s\0' "$f"; done \
        | tar --null --files-from=- -cf -) | tar -xf - -C "${tree[head]}"
    # ...and drop the files HEAD has that the working tree no longer has (deleted or moved away).
    (cd "${tree[head]}" && git ls-files -z) | while IFS= read -r -d '' f; do
        [[ -e $repo/$f || -L $repo/$f ]] || rm -f "${tree[head]}/$f"
    done
    find "${tree[head]}" -mindepth 1 -type d -empty -delete
fi

harness_note=""
if [[ $head_rev != WORKTREE ]] && ! git_ro diff --quiet "$base_commit" "$head_commit" -- "$project_rel" Directory.Build.props Directory.Build.targets Directory.Packages.props global.json; then
    harness_note="the harness or build settings differ between the two revisions: the comparison measures those changes too"
elif [[ $head_rev == WORKTREE ]] && ! diff -rq -x bin -x obj "${tree[base]}/$project_rel" "${tree[head]}/$project_rel" > /dev/null; then
    harness_note="the harness differs between the two revisions: the comparison measures those changes too"
fi
[[ -z $harness_note ]] || log "note: $harness_note."

{
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "nproc: $(nproc)"
    echo "cpu: $(grep -m 1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    echo "dotnet sdk: $(dotnet --version)"
    echo "kernel: $(uname -r)"
    echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "base: $base_rev = $(describe "$base_rev" "$base_commit")"
    echo "head: $head_rev = $(describe "$head_rev" "$head_commit")"
    [[ -z $harness_note ]] || echo "note: $harness_note"
    echo "arguments: MESSAGES_2048=$messages_2048 MESSAGES_102400=$messages_102400 REPEAT=$repeat INNER_REPEAT=$inner_repeat MAX_SECONDS=$max_seconds MODES=$modes SIZES=\"$sizes\" TRANSPORTS=\"$transports\" ORDER=$order ${harness_args[*]}"
} > "$out_dir/machine.txt"

# Build each tree once. No lingering build servers: they would sit on the 2 cores (and belong to no one afterwards).
declare -A dll
started=$SECONDS
for side in base head; do
    log "building $side ($(git -C "${tree[$side]}" rev-parse --short HEAD)$([[ $side == head && $head_rev == WORKTREE ]] && echo ' + working tree')) in ${tree[$side]}"
    if ! (cd "${tree[$side]}" && dotnet build "$project_rel" -c Release --nologo -v quiet -nodeReuse:false -p:UseSharedCompilation=false) \
        > "$out_dir/build-$side.log" 2>&1; then
        tail -n 20 "$out_dir/build-$side.log" >&2
        die "the $side build failed; see $out_dir/build-$side.log"
    fi
    dll[$side]=$(cd "${tree[$side]}" && dotnet msbuild "$project_rel" -nologo -nodeReuse:false -p:Configuration=Release -getProperty:TargetPath)
    [[ -f ${dll[$side]} ]] || die "no harness at '${dll[$side]}' after the $side build."
done
log "built both in $((SECONDS - started)) s"

# The runs: every round runs every configuration once per revision, base and head back to back (ABBA alternates
# which goes first), so slow drifts and bursts of other work on the machine fall on both alike.
configs=()
for size in $sizes; do
    for transport in $transports; do
        configs+=("$transport-$size")
    done
done
total=$((repeat * ${#configs[@]} * 2))
printf 'index\tround\tconfig\tside\tcommit\texit\tseconds\tstart\tload1\tjson\tlog\n' > "$out_dir/runs.tsv"
index=0
failures=0
started=$SECONDS
for ((round = 1; round <= repeat; round++)); do
    if [[ $order == abba && $((round % 2)) == 0 ]]; then sides=(head base); else sides=(base head); fi
    for config in "${configs[@]}"; do
        transport=${config%%-*}
        size=${config#*-}
        case $size in
            2048) messages=$messages_2048 ;;
            102400) messages=$messages_102400 ;;
            *) messages_var="MESSAGES_$size"; messages=${!messages_var:-1000} ;;
        esac
        tls_arg=()
        [[ $transport == tls ]] && tls_arg=(--tls)
        mkdir -p "$out_dir/runs/$config"
        for side in "${sides[@]}"; do
            index=$((index + 1))
            json="runs/$config/r$round-$side.json"
            txt="runs/$config/r$round-$side.txt"
            load1=$(cut -d' ' -f1 /proc/loadavg)
            start=$(date -u +%H:%M:%S)
            t0=$SECONDS
            code=0
            # In the background and waited for, so an interrupt is handled at once (see cleanup), not after the run.
            (cd "${tree[$side]}" && exec timeout --signal=TERM --kill-after=30 "$run_timeout" \
                dotnet "${dll[$side]}" throughput "${tls_arg[@]}" --messages "$messages" --size "$size" \
                --repeat "$inner_repeat" --max-seconds "$max_seconds" --modes "$modes" --json "${harness_args[@]}") \
                > "$out_dir/$json" 2> "$out_dir/$txt" &
            child=$!
            wait "$child" || code=$?
            child=""
            seconds=$((SECONDS - t0))
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$index" "$round" "$config" "$side" \
                "$(git -C "${tree[$side]}" rev-parse --short HEAD)" "$code" "$seconds" "$start" "$load1" "$json" "$txt" >> "$out_dir/runs.tsv"
            elapsed=$((SECONDS - started))
            log "[$index/$total] round $round $config $side: exit $code in ${seconds} s (load $load1; ~$(((total - index) * elapsed / index / 60)) min left)"
            if [[ $code != 0 ]]; then
                failures=$((failures + 1))
                tail -n 3 "$out_dir/$txt" | sed 's/^/    /' >&2
            fi
        done
    done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out_dir/machine.txt"
echo "runs: $total in $((SECONDS - started)) s, $failures with a non-zero exit" >> "$out_dir/machine.txt"
log "ran $total runs in $((SECONDS - started)) s; $failures exited non-zero"

python3 "$script_dir/compare-commits.py" "$out_dir"
log "results in $out_dir (summary.md, machine.txt, runs.tsv, runs/)"
[[ $failures == 0 ]]
