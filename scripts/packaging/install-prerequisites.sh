#!/usr/bin/env bash
# Installs what the packaging test's Native AOT publish needs on Debian or Ubuntu: a C toolchain (clang; the
# ILCompiler falls back to gcc without it) and zlib's headers. Idempotent; needs root. .ci/run calls it as root.
set -euo pipefail
# shellcheck source=../lib/apt.sh
source "$(dirname "$0")/../lib/apt.sh"

apt_install install-prerequisites.sh clang zlib1g-dev
