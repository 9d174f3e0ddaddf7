#!/bin/sh
# bench/run.sh [--quick] [--runs N] [--only TEXT] [--no-peers]
# Our servers against the floor and peer servers; see bench/README.md.
# As root it installs the peers it lacks (Debian packages, never started).
set -eu
cd "$(dirname "$0")/.."
exec python3 bench/bench.py "$@"
