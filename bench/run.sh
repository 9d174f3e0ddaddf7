#!/bin/sh
# bench/run.sh [--quick] [--runs N] [--only TEXT] [--no-peers]
# Our servers against the floor and peer servers; see bench/README.md.
# As root it installs the peers it lacks (Debian packages, never started).
# Then the TLS rows (bench/tls.py): what STARTTLS costs.
set -eu
cd "$(dirname "$0")/.."
python3 bench/bench.py "$@"
case " $* " in
*" --quick "*) runs=5 ;;
*) runs=20 ;;
esac
echo
python3 bench/tls.py --runs "$runs"
