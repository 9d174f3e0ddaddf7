#!/usr/bin/env bash
# afl.sh SECONDS PROGRAM...: AFL++ on the real, instrumented smtpd and
# pop3d (make fuzz-afl builds them into build/afl/bin with ASan and
# UBSan), each reading the input as its stdin, side by side, one core
# each, for SECONDS.
#
# Fork server, not persistent mode: the programs are run as they are run
# in production, main() to exit, one session per process; persistent mode
# would need their global state reset by code in the servers. AFL's fork
# server forks each input's process from one that has already been
# loaded and linked, which is most of what a persistent loop would save.
# The spool is reset per input by fuzz/afl/preload.c (AFL_PRELOAD), in the
# forked process before main() opens the log: a tmpfs spool made from a
# template (alice's mailbox with a dot line, a quoted From and no final
# LF; mrose's RFC 1939 mailbox), so DELE + QUIT rewrites and deliveries
# start from the same files every time.
#
# Seeds: the transcripts (fuzz/seed.sh) and the libFuzzer corpus of the
# same program; dictionaries fuzz/afl/smtp.dict and pop3.dict. After the
# run every input AFL kept is replayed with leak checking on (AFL runs
# without it), the inputs that add coverage to the libFuzzer harness are
# merged into fuzz/corpus/PROGRAM, and the run is added to
# fuzz/campaign.tsv. Crashes and hangs stay in build/afl/PROGRAM/; a
# crash fails the run, and so does a hang that hangs again.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=$1
shift
root=$PWD
# AFL_QUICK=1, CI's check that the set-up works: the transcripts alone as
# seeds (AFL's dry run of the whole corpus took most of a short run), and
# only what AFL found replayed, not the seeds, which the suites and the
# libFuzzer harnesses already ran with leak checks
quick=${AFL_QUICK:-0}
tsv=fuzz/campaign.tsv
shm=$(mktemp -d /dev/shm/afl.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	rm -rf "$shm"
}
trap cleanup EXIT

# the users of t/lib/mail.bash, every secret {PLAIN} so that APOP and
# CRAM-MD5 are offered too
users() {
	printf '%s\n' 'jones:{PLAIN}jones-pw' 'brown:{PLAIN}brown-pw' \
	    'alice:{PLAIN}alice-pw' 'user+tag:{PLAIN}x' 'mrose:{PLAIN}tanstaaf'
}

setup() {
	local p=$1 w=$shm/$1
	mkdir -p "$w/template" "$w/spool" "$w/in" "build/afl/$p"
	users >"$w/users"
	printf 'From a@b.example Mon Nov 23 10:00:00 2026\nSubject: one\n\nhello\n.dot line\n>From quoted\n\nFrom c@d.example Mon Nov 23 10:00:01 2026\nSubject: two\n\nbody\nno final newline' \
	    >"$w/template/alice"
	cp t/pop3d/01-rfc1939-example.mrose.before "$w/template/mrose"
	chmod 0755 "$shm" "$w"
	chmod 0644 "$w/users"
	chown nobody "$w/spool"
	cp "build/fuzz/seeds/$p"/* "$w/in/"
	[ "$quick" = 1 ] || cp "fuzz/corpus/$p"/* "$w/in/" 2>/dev/null || true
}

# the program's command line, as its service file would have it, with
# small limits so that short inputs reach them
argv() {
	local p=$1 w=$shm/$1
	case $p in
	smtpd) echo "$root/build/afl/bin/smtpd -n fuzz.example -d fuzz.test" \
	    "-s $w/spool -p $w/users -a $root/t/smtpd/18-aliases.aliases" \
	    "-U nobody -w 1 -t 5 -z 8192 -r 5" ;;
	pop3d) echo "$root/build/afl/bin/pop3d -n fuzz.example -s $w/spool" \
	    "-p $w/users -U nobody -w 1 -t 5" ;;
	esac
}

# replay PROGRAM FILE: one run on FILE, as AFL ran it, with leak checks;
# 86 for a sanitizer report, 124 past 10 s
replay() {
	local w=$shm/$1
	# shellcheck disable=SC2046
	FUZZ_SPOOL=$w/spool FUZZ_SPOOL_TEMPLATE=$w/template \
	LD_PRELOAD=$root/build/afl/preload.so \
	ASAN_OPTIONS=detect_leaks=1:exitcode=86 \
	UBSAN_OPTIONS=halt_on_error=1:exitcode=86 \
	    timeout 10 $(argv "$1") <"$2" >/dev/null
}

dict() { case $1 in smtpd) echo fuzz/afl/smtp.dict ;; pop3d) echo fuzz/afl/pop3.dict ;; esac; }

# one afl-fuzz per program, in the background
for p in "$@"; do
	setup "$p"
	w=$shm/$p
	echo "afl-fuzz $p: $seconds s"
	# shellcheck disable=SC2046
	AFL_PRELOAD=$root/build/afl/preload.so FUZZ_SPOOL=$w/spool \
	FUZZ_SPOOL_TEMPLATE=$w/template AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 \
	AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1 \
	    afl-fuzz -i "$w/in" -o "$w/out" -m none -t 2000 -x "$(dict "$p")" \
	    -V "$seconds" -- $(argv "$p") >"build/afl/$p/afl.log" 2>&1 &
	pids+=("$!")
done
status=0
for p in "${pids[@]}"; do wait "$p" || status=$?; done
pids=()

for p in "$@"; do
	w=$shm/$p out=$shm/$p/out/default
	stats=$out/fuzzer_stats
	[ -f "$stats" ] || { tail -n 40 "build/afl/$p/afl.log"; exit 1; }
	cp "$stats" "build/afl/$p/"
	rm -rf "build/afl/$p/crashes" "build/afl/$p/hangs" "build/afl/$p/queue"
	cp -r "$out/crashes" "$out/hangs" "$out/queue" "build/afl/$p/"
	stat_of() { sed -n "s/^$1 *: *//p" "$stats"; }
	execs=$(stat_of execs_done) cvg=$(stat_of bitmap_cvg) edges=$(stat_of edges_found)
	crashes=$(stat_of saved_crashes) hangs=$(stat_of saved_hangs)
	took=$(( $(stat_of last_update) - $(stat_of start_time) ))
	printf '%s\tAFL++ %s\t%s\t%s\t%s\t%s\t%s\t0/%s/%s\n' "$p" \
	    "$(stat_of afl_version)" "$(date -u +%Y-%m-%d)" "$took" "$execs" \
	    "$cvg" "$edges" "$hangs" "$crashes" >>"$tsv"
	echo "  $p: $execs executions in $took s, bitmap $cvg, $edges edges," \
	    "$crashes crashes, $hangs hangs"

	# what AFL ran without leak checking, again with it; a report fails
	leaks=0 replayed=0
	for f in "$out"/queue/id:*; do
		case $quick,$f in 1,*orig:*) continue ;; esac
		replayed=$((replayed + 1))
		replay "$p" "$f" 2>"build/afl/$p/replay.err" ||
		    { [ $? -ne 86 ] || { leaks=$((leaks + 1));
		      cp "$f" "build/afl/$p/report-$(basename "$f")";
		      cat "build/afl/$p/replay.err"; }; }
	done
	echo "  replayed $replayed of $(ls "$out/queue" | grep -c '^id:')" \
	    "inputs with leak checking: $leaks reports"
	[ "$leaks" -eq 0 ] || status=1
	# A hang is an input over AFL's 2 s once, which a loaded machine can
	# cause (the first hour-long run saved three that never hung again):
	# it fails the run if it takes over 10 s when run again alone.
	again=0
	for f in "$out"/hangs/id:*; do
		[ -e "$f" ] || continue
		replay "$p" "$f" 2>/dev/null || [ $? -ne 124 ] ||
		    again=$((again + 1))
	done
	echo "  hangs saved: $hangs; hanging again: $again"
	[ "$crashes" -eq 0 ] && [ "$again" -eq 0 ] || status=1

	# into the libFuzzer corpus, where it adds coverage
	n=$(ls "fuzz/corpus/$p" | wc -l)
	rm -rf "build/afl/$p/merged"
	mkdir -p "build/afl/$p/merged"
	"build/fuzz/fuzz_$p" -merge=1 -max_len=16384 "build/afl/$p/merged" \
	    "fuzz/corpus/$p" "$out/queue" >"build/afl/$p/merge.log" 2>&1
	rm -rf "fuzz/corpus/$p"
	mv "build/afl/$p/merged" "fuzz/corpus/$p"
	echo "  libFuzzer corpus: $n -> $(ls "fuzz/corpus/$p" | wc -l) inputs"
done
fuzz/table.py "$tsv" fuzz/README.md
exit "$status"
