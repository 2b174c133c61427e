#!/usr/bin/env bash
# Mutation testing with Stryker.NET, one source file at a time.
#
# Usage: scripts/mutation.sh FILE...
#   FILE is a source file relative to the repository root, e.g. src/MailSender/Smtp/Pooling/ConnectionPool.cs.
#   Each file gets its own Stryker run on tests/MailSender.Tests that mutates that file only.
#
# Environment:
#   TESTS='FullyQualifiedName~X|FullyQualifiedName~Y'  test-case filter (default: the file's own test classes,
#                                                       FullyQualifiedName~<file base name>)
#   FULL=1            run the whole tests/MailSender.Tests suite against every mutant (slow)
#   CONCURRENCY=N     Stryker's --concurrency (default 1: the machines have 2 cores)
#   MIN_SCORE=N       exit non-zero when a file scores below N percent
#
# Reports (json, html) go to artifacts/mutation/<file base name>/reports/; the tool comes from
# .config/dotnet-tools.json (dotnet tool restore). At the end one summary line per file is printed:
# killed, survived, no coverage, timeout and Stryker's score, (killed + timeout) / (all but compile errors and ignored).
set -euo pipefail

if [ "$#" -eq 0 ]; then
  sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi

root=$(cd "$(dirname "$0")/.." && pwd)
test_project="$root/tests/MailSender.Tests"

dotnet tool restore --tool-manifest "$root/.config/dotnet-tools.json" >/dev/null

summaries=()
failed=0
for file in "$@"; do
  if [ ! -f "$root/$file" ]; then
    echo "mutation.sh: no such file: $file (give a path relative to the repository root)" >&2
    exit 2
  fi
  name=$(basename "$file" .cs)

  # The project under test is the nearest *.csproj above the file; --mutate is relative to its folder.
  dir=$(dirname "$root/$file")
  while [ -z "$(find "$dir" -maxdepth 1 -name '*.csproj' -print -quit)" ]; do
    if [ "$dir" = "$root" ] || [ "$dir" = "/" ]; then
      echo "mutation.sh: no project found above $file" >&2
      exit 2
    fi
    dir=$(dirname "$dir")
  done
  project=$(find "$dir" -maxdepth 1 -name '*.csproj' -print -quit)
  relative=${root}/${file}
  relative=${relative#"$dir"/}

  filter_args=()
  if [ "${FULL:-0}" = "1" ]; then
    filter_desc="whole suite"
  else
    filter=${TESTS:-FullyQualifiedName~$name}
    filter_args=(--test-case-filter "$filter")
    filter_desc=$filter
  fi

  out="$root/artifacts/mutation/$name"
  rm -rf "$out"
  mkdir -p "$out"
  echo "== $file: mutating $relative in $(basename "$project"), tests: $filter_desc"
  start=$(date +%s)
  (
    cd "$test_project"
    dotnet tool run dotnet-stryker -- \
      --project "$(basename "$project")" \
      --mutate "**/$relative" \
      "${filter_args[@]}" \
      --target-framework net10.0 \
      --concurrency "${CONCURRENCY:-1}" \
      --mutation-level Standard \
      --skip-version-check \
      --reporter json --reporter html --reporter cleartext --reporter progress \
      --output "$out"
  )
  seconds=$(( $(date +%s) - start ))

  report="$out/reports/mutation-report.json"
  if [ ! -f "$report" ]; then
    echo "mutation.sh: Stryker wrote no report for $file" >&2
    exit 1
  fi
  summary=$(python3 - "$report" "$file" "$seconds" "${MIN_SCORE:-}" <<'PY'
import json, sys

report, file, seconds, min_score = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
counts = {}
with open(report, encoding="utf-8") as f:
    for entry in json.load(f)["files"].values():
        for mutant in entry["mutants"]:
            counts[mutant["status"]] = counts.get(mutant["status"], 0) + 1
killed, survived = counts.get("Killed", 0), counts.get("Survived", 0)
no_coverage, timeout = counts.get("NoCoverage", 0), counts.get("Timeout", 0)
valid = killed + survived + no_coverage + timeout
score = 100.0 * (killed + timeout) / valid if valid else float("nan")
below = bool(min_score) and valid and score < float(min_score)
print(f"{file}: mutants {valid}, killed {killed}, survived {survived}, no coverage {no_coverage}, "
      f"timeout {timeout}, score {score:.2f}% ({seconds // 60}m{seconds % 60:02d}s)"
      + (f"  BELOW MIN_SCORE {min_score}" if below else ""))
sys.exit(3 if below else 0)
PY
  ) || { [ "$?" -eq 3 ] && failed=1 || exit 1; }
  summaries+=("$summary")
done

echo
echo "== mutation scores"
printf '%s\n' "${summaries[@]}"
exit "$failed"
