#!/usr/bin/env bash
# campaign.sh SECONDS JOBS HARNESS...: a long libFuzzer run of each harness
# (make fuzz-campaign), in -fork mode with JOBS workers, from the
# committed corpus fuzz/corpus/HARNESS and the seeds; then what it found
# is merged into that corpus, minimised (-merge=1 keeps only inputs that
# add coverage), and the run is added to fuzz/campaign.tsv, from which
# the table in fuzz/README.md is written again. A crash stops the run
# with its input in build/fuzz/crash-HARNESS-*: make it a regression test
# before the fix.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=$1 jobs=$2
shift 2
B=build/fuzz
tsv=fuzz/campaign.tsv
[ -f "$tsv" ] || printf 'harness\tengine\tdate\tseconds\texecutions\tcov\tft\tcrashes\n' >"$tsv"

for h in "$@"; do
	mkdir -p "fuzz/corpus/$h" "$B/campaign/$h"
	log="$B/campaign-$h.log"
	echo "fuzz_$h: $seconds s, $jobs jobs"
	status=0
	"$B/fuzz_$h" -fork="$jobs" -max_total_time="$seconds" -max_len=16384 \
	    -artifact_prefix="$B/crash-$h-" \
	    "$B/campaign/$h" "fuzz/corpus/$h" "$B/seeds/$h" >"$log" 2>&1 ||
	    status=$?
	# the last status line of -fork mode:
	# "#N: cov: C ft: F corp: K exec/s E oom/timeout/crash: a/b/c time: Ts"
	last=$(grep -E '^#[0-9]+: cov: ' "$log" | tail -n 1 || true)
	execs=$(echo "$last" | sed -E 's/^#([0-9]+):.*/\1/')
	cov=$(echo "$last" | sed -E 's/.* cov: ([0-9]+).*/\1/')
	ft=$(echo "$last" | sed -E 's/.* ft: ([0-9]+).*/\1/')
	crashes=$(echo "$last" | sed -E 's#.*oom/timeout/crash: ([0-9]+)/([0-9]+)/([0-9]+).*#\1/\2/\3#')
	[ -n "$last" ] || { tail -n 40 "$log"; exit 1; }
	printf '%s\tlibFuzzer -fork=%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$h" "$jobs" \
	    "$(date -u +%Y-%m-%d)" "$seconds" "$execs" "$cov" "$ft" \
	    "$crashes" >>"$tsv"
	echo "  $execs executions, cov $cov, ft $ft, oom/timeout/crash $crashes"
	# the corpus: what covers something, smallest first
	rm -rf "$B/merged/$h"
	mkdir -p "$B/merged/$h"
	"$B/fuzz_$h" -merge=1 -max_len=16384 "$B/merged/$h" "fuzz/corpus/$h" \
	    "$B/campaign/$h" "$B/seeds/$h" >"$B/merge-$h.log" 2>&1
	rm -rf "fuzz/corpus/$h"
	mv "$B/merged/$h" "fuzz/corpus/$h"
	echo "  corpus: $(ls "fuzz/corpus/$h" | wc -l) inputs, $(( $(cat "fuzz/corpus/$h"/* | wc -c) / 1024 )) KB"
	if [ "$status" -ne 0 ]; then
		tail -n 40 "$log"
		exit "$status"
	fi
done
fuzz/table.py "$tsv" fuzz/README.md
