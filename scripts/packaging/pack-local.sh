#!/usr/bin/env bash
# Packs every MailSender package (each project under src/ whose IsPackable is true) into a local folder, and prints
# the two commands that make an application use them:
#
#   dotnet nuget add source /abs/path/artifacts/packages --name mailsender-local
#   dotnet add package MailSender --version 0.1.0-alpha.0.123
#
# Run the first once (in the application's folder it goes into the nearest nuget.config, else into your user-wide
# NuGet configuration), the second in the project; the other packages (MailSender.Testing, ...) take the same version.
#
# The version comes from git (MinVer, see docs/packaging.md#versions): every commit gives a new one, so a repack is
# never shadowed by the copy of an older pack in the NuGet cache (~/.nuget/packages). Uncommitted changes (or a tree
# without .git) add a timestamp, e.g. 0.1.0-alpha.0.123.dirty-20261205T010203, for the same reason.
#
# Usage: scripts/packaging/pack-local.sh [--version VERSION] [OUTPUT]   (OUTPUT defaults to artifacts/packages)
#        scripts/packaging/pack-local.sh --print-version                (prints the version it would pack, nothing else)
# Progress goes to standard error; standard output has only the two commands (or the version).
set -euo pipefail
cd "$(dirname "$0")/../.."

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

version=
print_version=false
output=artifacts/packages
while [ $# -gt 0 ]; do
  case "$1" in
    --version) version=${2:?--version needs a value}; shift 2;;
    --print-version) print_version=true; shift;;
    -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0;;
    -*) echo "pack-local.sh: unknown option $1 (see --help)" >&2; exit 2;;
    *) output=$1; shift;;
  esac
done

fail() { echo "pack-local.sh: $*" >&2; exit 1; }

if [ -z "$version" ]; then
  # MinVer's version of HEAD, computed the way every build computes it (Directory.Build.props).
  # (One -getProperty prints the bare value.)
  version=$(dotnet msbuild src/MailSender/MailSender.csproj -nologo -restore -t:MinVer -getProperty:PackageVersion 2>&1) \
    || fail "computing the version failed:"$'\n'"$version"
  [[ $version =~ ^[0-9]+[.][0-9]+[.][0-9]+[-+.0-9A-Za-z]*$ ]] || fail "MinVer gave no version: $version"
  if [ ! -e .git ]; then
    version="$version.dirty-$(date -u +%Y%m%dT%H%M%S)"
    echo "pack-local.sh: no git repository here: the version gets a timestamp ($version)" >&2
  else
    if [ -n "$(git status --porcelain 2>/dev/null)" ]; then
      version="$version.dirty-$(date -u +%Y%m%dT%H%M%S)"
      echo "pack-local.sh: uncommitted changes: the version gets a timestamp ($version)" >&2
    fi
    if [ "$(git rev-parse --is-shallow-repository 2>/dev/null)" = true ]; then
      echo "pack-local.sh: warning: this is a shallow clone, so the commit count in the version is wrong (run 'git fetch --unshallow')" >&2
    fi
  fi
fi

if [ "$print_version" = true ]; then
  echo "$version"
  exit 0
fi

mkdir -p "$output"
output=$(cd "$output" && pwd)

# The one list of packages: every project under src/ whose IsPackable is true, as MSBuild evaluates it.
packed=()
for project in src/*/*.csproj; do
  properties=$(dotnet msbuild "$project" -nologo -getProperty:IsPackable -getProperty:PackageId) || fail "dotnet msbuild -getProperty $project"
  fields=$(python3 -c 'import json, sys; p = json.load(sys.stdin)["Properties"]; print(p["IsPackable"].lower(), p["PackageId"])' <<<"$properties") \
    || fail "reading IsPackable and PackageId of $project"
  read -r packable package_id <<<"$fields"
  [ "$packable" = true ] || continue
  echo "pack-local.sh: packing $package_id $version ($project)" >&2
  # MinVerVersionOverride: the same version for every package and its dependencies on the others; Version as well for
  # a tree without .git, where MinVer does not run.
  dotnet pack "$project" -c Release -o "$output" -p:MinVerVersionOverride="$version" -p:Version="$version" -warnaserror -nologo -v:q >&2 \
    || fail "dotnet pack $project failed"
  packed+=("$package_id")
done
[ "${#packed[@]}" -gt 0 ] || fail "no packable project under src/"

echo "pack-local.sh: ${#packed[@]} packages in $output: ${packed[*]} (version $version); in your application run:" >&2
printf 'dotnet nuget add source %q --name mailsender-local\n' "$output"
printf 'dotnet add package MailSender --version %q\n' "$version"
