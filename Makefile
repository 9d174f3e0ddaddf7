# smtpd and pop3d: small mail servers run once per connection by a superserver.
#
#   make                 build (objects under build/plain/; DYNAMIC=1: build/dyn/)
#   make run             the quick start: demo servers on 127.0.0.1:2525/1100
#   make test            run the whole bats suite under t/
#   make check-sanitize  the same suite, built with -fsanitize=address,undefined
#   make check-portable  the scanner's tests on its portable path (no SSE2)
#   make fuzz            each libFuzzer harness under fuzz/ for FUZZ_SECONDS
#   make fuzz-campaign   a long run, merged into fuzz/corpus/ (fuzz/README.md)
#   make fuzz-afl        AFL++ on the real binaries, an hour each
#   make test-musl       the suite against static musl binaries (CC=musl-gcc)
#   make bench           speed against the floor and peer servers
#   make bench-locks     what the locks cost; a GlusterFS spool
#   make install         PREFIX (/usr/local) and DESTDIR honoured
#   make uninstall
#   make clean
#
# SANITIZE=1 selects the sanitized build for any target; it lives in
# build/san/ so switching does not rebuild the plain objects. The plain
# smtpd and pop3d are linked statically when the C library allows it:
# a dynamic link costs each connection more than the rest of a session
# (bench/README.md). DYNAMIC=1 builds them dynamic, in build/dyn/ (the
# valgrind target uses it: memcheck cannot follow a static malloc).

CC      ?= cc
CFLAGS  ?= -O2 -g
SANITIZE ?= 0

ifneq ($(MUTANT),)
# make MUTANT=NO_DOTLOCK (NO_FCNTL, NO_FLOCK, NO_FRESH_STAT,
# NO_ESTALE_RETRY): spool/lock.c with one guarantee off, for
# t/mutants.bats to show that a test catches it. Never installed.
VARIANT  := mut-$(MUTANT)
SANFLAGS :=
PROG_LDFLAGS :=
CPPFLAGS += -DSPOOL_MUTANT_$(MUTANT)
else ifeq ($(SANITIZE),1)
VARIANT  := san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
            -fno-omit-frame-pointer
PROG_LDFLAGS :=
else ifeq ($(PORTABLE),1)
# the mbox scanner without its vector counter (spool/internal.h), as on a
# machine without SSE2, so x86 CI runs that path too
VARIANT  := portable
SANFLAGS :=
PROG_LDFLAGS :=
CPPFLAGS += -DSPOOL_SCAN_PORTABLE
else ifneq ($(findstring musl,$(CC)),)
# make CC=musl-gcc: fully static binaries on musl, for the smallest boxes
# (Alpine, BusyBox images). crypt(3) is in musl's libc, but not in
# Debian's build of it: scripts/musl-crypt.sh supplies musl's own.
VARIANT  := musl
SANFLAGS :=
PROG_LDFLAGS := -static
LDLIBS_CRYPT :=
CRYPT_A  := build/musl/crypt/libcrypt.a
else ifneq ($(findstring afl,$(CC)),)
# make CC=afl-clang-fast: smtpd and pop3d instrumented for AFL++, with ASan
# and UBSan, linked dynamically so that fuzz/afl.sh can preload
# fuzz/afl/preload.c into them (make fuzz-afl)
VARIANT  := afl
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
            -fno-omit-frame-pointer
PROG_LDFLAGS :=
else ifeq ($(DYNAMIC),1)
VARIANT  := dyn
SANFLAGS :=
PROG_LDFLAGS :=
else
VARIANT  := plain
SANFLAGS :=
# -static when a static C library and libcrypt are installed
PROG_LDFLAGS := $(shell printf 'int main(void){return 0;}\n' | \
    $(CC) -static -x c -o /dev/null - -lcrypt 2>/dev/null && echo -static)
endif

B        := build/$(VARIANT)
WARN     := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wformat=2
ALL_CPPFLAGS := -D_DEFAULT_SOURCE -I. $(CPPFLAGS)
ALL_CFLAGS   := $(WARN) $(CFLAGS) $(SANFLAGS) -MMD -MP
ALL_LDFLAGS  := $(SANFLAGS) $(LDFLAGS)
LDLIBS_CRYPT ?= -lcrypt
LDLIBS   := $(LDLIBS_CRYPT)


COMMON_SRC := $(wildcard common/*.c)
SPOOL_SRC  := $(wildcard spool/*.c)
SMTPD_SRC  := $(filter-out smtpd/main.c,$(wildcard smtpd/*.c))
POP3D_SRC  := $(filter-out pop3d/main.c,$(wildcard pop3d/*.c))
TOOLS      := spooltool usertool linetool
UNITS      := unit_line unit_md5 unit_users unit_quote unit_address unit_data \
              unit_sasl unit_peer unit_passwd unit_headers

LIBCOMMON := $(B)/libcommon.a
LIBSPOOL  := $(B)/libspool.a
LIBSMTPD  := $(B)/libsmtpd.a
LIBPOP3D  := $(B)/libpop3d.a
BIN       := $(B)/bin

PROGRAMS  := $(BIN)/smtpd $(BIN)/pop3d
TEST_BINS := $(addprefix $(BIN)/,$(TOOLS) $(UNITS))

PREFIX    ?= /usr/local
SBINDIR   := $(PREFIX)/sbin
MANDIR    := $(PREFIX)/share/man/man8
UNITDIR   := $(PREFIX)/lib/systemd/system
XINETDDIR := /etc/xinetd.d
# the options files (etc/), the TLS engines for -T (tls/), the spam
# filter hook for -f and the fail2ban jail (mx/)
TLSDIR    := /etc/mailservers
F2BDIR    := /etc/fail2ban
UNITS     := smtpd.socket smtpd@.service submission.socket \
             submission@.service pop3d.socket pop3d@.service
XINETDS   := smtpd submission pop3d
USERSFILE := /etc/mail/passwd
# mx/ source:installed name under TLSDIR
MXFILES   := spamassassin:spamassassin \
             fail2ban/jail.d/mailservers.conf:fail2ban-jail.conf

.PHONY: all mutant run test test-musl check-sanitize check-portable valgrind bench bench-locks fuzz \
	fuzz-seeds fuzz-campaign fuzz-afl \
	stage install uninstall deb clean
# Keep the tools' objects: they are intermediates of a pattern chain.
.SECONDARY:
all: $(PROGRAMS) $(TEST_BINS)
# what t/mutants.bats runs of a MUTANT build
mutant: $(PROGRAMS) $(BIN)/spooltool

$(B)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

build/musl/crypt/libcrypt.a: scripts/musl-crypt.sh
	CC=$(CC) scripts/musl-crypt.sh $(@D)

$(LIBCOMMON): $(COMMON_SRC:%.c=$(B)/%.o)
	rm -f $@ && $(AR) rcs $@ $^
$(LIBSPOOL): $(SPOOL_SRC:%.c=$(B)/%.o)
	rm -f $@ && $(AR) rcs $@ $^
$(LIBSMTPD): $(SMTPD_SRC:%.c=$(B)/%.o)
	rm -f $@ && $(AR) rcs $@ $^
$(LIBPOP3D): $(POP3D_SRC:%.c=$(B)/%.o)
	rm -f $@ && $(AR) rcs $@ $^

$(BIN)/smtpd: $(B)/smtpd/main.o $(LIBSMTPD) $(LIBSPOOL) $(LIBCOMMON) $(CRYPT_A)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) $(PROG_LDFLAGS) -o $@ $^ $(LDLIBS)
ifeq ($(VARIANT),plain)
	cp $@ smtpd/smtpd
endif

$(BIN)/pop3d: $(B)/pop3d/main.o $(LIBPOP3D) $(LIBSPOOL) $(LIBCOMMON) $(CRYPT_A)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) $(PROG_LDFLAGS) -o $@ $^ $(LDLIBS)
ifeq ($(VARIANT),plain)
	cp $@ pop3d/pop3d
endif

$(BIN)/%: $(B)/t/tools/%.o $(LIBSPOOL) $(LIBCOMMON) $(CRYPT_A)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)
$(BIN)/unit_%: $(B)/t/unit/unit_%.o $(LIBSMTPD) $(LIBSPOOL) $(LIBCOMMON) \
    $(CRYPT_A)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)

# The suite finds the binaries under test through BIN; sanitizer reports of
# any process, background ones included, land in SAN_LOGS and fail the run
# (an empty one, which only a process killed in the middle leaves, is
# listed but cannot say what it was);
# it is world-writable because smtpd drops root to nobody in the tests.
# Where a private parent directory (root's home) keeps the dropped users
# from the checkout, both move to a scratch copy (scripts/test-scratch.sh).
SAN_LOGS := $(abspath $(B)/sanitizer-logs)
# the bats files to run (make test TESTS=t/smtpd.bats for one)
TESTS ?= t/
# Files run TEST_JOBS at a time (bats --jobs, with GNU parallel; one at a
# time without it), each file's tests in order; tests tagged "alone"
# (timing measurements) run afterwards, by themselves.
TEST_JOBS ?= 4
BATS_SUITE = jobs=$(TEST_JOBS); command -v parallel >/dev/null || jobs=1; \
	bats --jobs $$jobs --no-parallelize-within-files \
	    --filter-tags '!alone' $(TESTS); status=$$?; \
	bats --filter-tags alone $(TESTS) || status=1
# Installs what the suite needs first (scripts/need.sh): the build itself
# needs libcrypt's header.
test:
	@scripts/need.sh test
	@$(MAKE) --no-print-directory all
	@set -- $$(scripts/test-scratch.sh $(abspath $(BIN)) $(SAN_LOGS)); \
	bin=$$1 logs=$$2 scratch=$$3; \
	rm -rf $$logs && mkdir -p $$logs && chmod 1777 $$logs; \
	echo "BIN=$$bin bats $(TESTS) ($(TEST_JOBS) files at a time)"; \
	export BIN=$$bin SANITIZE=$(SANITIZE) VARIANT=$(VARIANT) SAN_LOGS=$$logs \
	ASAN_OPTIONS=log_path=$$logs/asan:detect_leaks=1 \
	UBSAN_OPTIONS=log_path=$$logs/ubsan:print_stacktrace=1:halt_on_error=1; \
	$(BATS_SUITE); \
	for f in $$(find $$logs -type f -empty); do \
	    echo "note: $$f is empty: a process the tests SIGKILL died" \
	        "before its sanitizer runtime wrote a word"; done; \
	for f in $$(find $$logs -type f -size +0); do \
	    grep -qv '^==[0-9]*==Unable to get registers from thread [0-9]*\.$$' \
	        $$f && continue; \
	    echo "note: $$f: the runtime could not stop a thread for its" \
	        "exit-time leak check: a process the tests SIGKILL died" \
	        "during it (no finding; any other line still fails)"; \
	    rm -f $$f; done; \
	if [ -n "$$(find $$logs -type f -size +0)" ]; then \
	    echo "sanitizer reports:"; \
	    find $$logs -type f -size +0 -exec tail -n +1 {} +; status=1; fi; \
	[ "$$scratch" = - ] || rm -rf "$$scratch"; \
	exit $$status

check-sanitize:
	$(MAKE) SANITIZE=1 test

# The whole suite against fully static musl binaries (build/musl/bin)
test-musl:
	@scripts/need.sh musl
	$(MAKE) CC=musl-gcc test

# What reads mailbox sizes and lines: the spool's tests, the units and
# pop3d's sessions.
check-portable:
	$(MAKE) PORTABLE=1 test TESTS="t/spool.bats t/unit.bats t/pop3d.bats"

# The transcript tests (bats tag "transcript") with both programs under
# valgrind's memcheck: any error or definite/indirect leak fails.
VALGRIND_LOGS := build/valgrind/logs
valgrind:
	@command -v valgrind >/dev/null || { echo "valgrind is not installed"; exit 1; }
	$(MAKE) DYNAMIC=1 all
	@rm -rf build/valgrind && mkdir -p $(VALGRIND_LOGS) && \
	    chmod 1777 $(VALGRIND_LOGS)
	scripts/valgrind-bin.sh build/dyn/bin build/valgrind/bin $(VALGRIND_LOGS)
	BIN=$(abspath build/valgrind/bin) SANITIZE=0 SAN_LOGS=$(SAN_LOGS) \
	    bats --filter-tags transcript t/smtpd.bats t/pop3d.bats t/quota.bats
	@n=$$(ls $(VALGRIND_LOGS) | wc -l); \
	if [ -n "$$(find $(VALGRIND_LOGS) -type f -size +0)" ]; then \
	    echo "memcheck reports:"; \
	    find $(VALGRIND_LOGS) -type f -size +0 -exec cat {} +; exit 1; fi; \
	echo "memcheck: $$n processes, no errors, no leaks"

run:
	@scripts/need.sh run
	@$(MAKE) --no-print-directory all
	scripts/run-demo.sh $(abspath $(BIN))

# Speed against the floor and peer servers (bench/README.md); not a test.
# make bench BENCH_ARGS=--quick for a short run.
bench:
	@scripts/need.sh bench
	@$(MAKE) --no-print-directory all
	bench/run.sh $(BENCH_ARGS)

# What the locks of SPEC 6 cost against the tree before them, and the
# same workloads on a two-mount GlusterFS spool (bench/locks.py).
bench-locks: all
	python3 bench/locks.py $(BENCH_ARGS)

# libFuzzer (clang) harnesses, seeded from the transcript tests. A crash
# stops the run and leaves its input in build/fuzz/crash-*: make it a
# regression transcript under t/.
FUZZERS      := smtpd pop3d address mbox mbox_portable users aliases sasl \
                base64 headers data journal size proxy
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_B       := build/fuzz
# The spool's I/O chunk is 4 KB here, not 256 KB: inputs are at most 16 KB,
# so only then do they cross chunk boundaries (a From_ line or a CRLF
# split between two reads), and the big buffer's fresh pages were a third
# of fuzz_mbox's time. crypt(3) and the failed-login delay are stand-ins
# (fuzz/fuzz.h).
FUZZ_CFLAGS  := $(ALL_CPPFLAGS) -std=c11 -D_GNU_SOURCE -DSPOOL_IO_BUF=4096 \
                -g -O1 -fsanitize=fuzzer-no-link,address,undefined \
                -fno-sanitize-recover=all -MMD -MP
FUZZ_LDFLAGS := -fsanitize=fuzzer,address,undefined \
                -Wl,--wrap=sasl_delay -Wl,--wrap=crypt
FUZZ_LIB_SRC := $(COMMON_SRC) $(SPOOL_SRC)
# Every source is compiled once for all harnesses (build/fuzz/obj); the
# portable scanner's spool once more (build/fuzz/portable), as
# PORTABLE=1 builds it. Each harness links what it drives.
fuzz_objs = $(FUZZ_B)/obj/fuzz/fuzz_$(1).o \
    $(COMMON_SRC:%.c=$(FUZZ_B)/obj/%.o) \
    $(SPOOL_SRC:%.c=$(FUZZ_B)/$(if $(filter mbox_portable,$(1)),portable,obj)/%.o) \
    $(if $(filter smtpd address headers data,$(1)),$(SMTPD_SRC:%.c=$(FUZZ_B)/obj/%.o)) \
    $(if $(filter pop3d,$(1)),$(POP3D_SRC:%.c=$(FUZZ_B)/obj/%.o))

$(FUZZ_B)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<
$(FUZZ_B)/portable/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -DSPOOL_SCAN_PORTABLE -c -o $@ $<
$(FUZZ_B)/obj/fuzz/fuzz_mbox_portable.o: fuzz/fuzz_mbox.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -DSPOOL_SCAN_PORTABLE -c -o $@ $<

define FUZZ_LINK
$(FUZZ_B)/fuzz_$(1): $(call fuzz_objs,$(1))
	$$(FUZZ_CC) $$(FUZZ_LDFLAGS) -o $$@ $$^ $$(LDLIBS)
endef
$(foreach f,$(FUZZERS),$(eval $(call FUZZ_LINK,$(f))))

# The short pass (CI): from the committed corpus fuzz/corpus/ and the
# seeds; what it finds stays in build/fuzz/corpus/.
fuzz: $(FUZZERS:%=fuzz-run-%)
fuzz-seeds:
	fuzz/seed.sh $(FUZZ_B)/seeds
# one harness; make -j2 fuzz runs two at a time
fuzz-run-%: $(FUZZ_B)/fuzz_% fuzz-seeds
	@mkdir -p $(FUZZ_B)/corpus/$* fuzz/corpus/$*
	@$(FUZZ_B)/fuzz_$* -max_total_time=$(FUZZ_SECONDS) -max_len=16384 \
	    -print_final_stats=1 -artifact_prefix=$(FUZZ_B)/crash-$*- \
	    $(FUZZ_B)/corpus/$* fuzz/corpus/$* $(FUZZ_B)/seeds/$* \
	    2>$(FUZZ_B)/$*.log \
	    || { echo "fuzz_$*: failed"; tail -n 40 $(FUZZ_B)/$*.log; exit 1; }
	@echo "fuzz_$*: $(FUZZ_SECONDS) s," \
	    "$$(sed -n 's/^stat::number_of_executed_units: *//p' $(FUZZ_B)/$*.log)" \
	    "runs, peak RSS" \
	    "$$(sed -n 's/^stat::peak_rss_mb: *//p' $(FUZZ_B)/$*.log) MB"

# The long run (fuzz/README.md): FUZZ_SECONDS per harness with FUZZ_JOBS
# workers, merged into fuzz/corpus/ (commit it) and recorded in
# fuzz/campaign.tsv and the README's table. FUZZ_ONLY="smtpd pop3d" picks.
FUZZ_JOBS ?= 2
FUZZ_ONLY ?= $(FUZZERS)
fuzz-campaign: $(FUZZ_ONLY:%=$(FUZZ_B)/fuzz_%)
	fuzz/seed.sh $(FUZZ_B)/seeds
	fuzz/campaign.sh $(FUZZ_SECONDS) $(FUZZ_JOBS) $(FUZZ_ONLY)

# AFL++ on the real smtpd and pop3d, on stdin (fuzz/README.md): AFL_SECONDS
# each, side by side, one core each; what AFL finds that adds coverage
# goes into the libFuzzer corpus of the same program, and the runs into
# fuzz/campaign.tsv. AFL_ONLY="smtpd" picks.
AFL_SECONDS ?= 3600
AFL_ONLY    ?= smtpd pop3d
# AFL_QUICK=1: a check that the set-up works (CI): the transcripts alone
# as seeds, and only what AFL found replayed with leak checks
AFL_QUICK   ?= 0
build/afl/preload.so: fuzz/afl/preload.c fuzz/crypt_standin.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(ALL_CPPFLAGS) $(WARN) -O2 -fPIC -shared -o $@ $< -ldl
fuzz-afl:
	@scripts/need.sh afl
	$(MAKE) build/afl/preload.so $(AFL_ONLY:%=$(FUZZ_B)/fuzz_%)
	$(MAKE) CC=afl-clang-fast $(AFL_ONLY:%=build/afl/bin/%)
	fuzz/seed.sh $(FUZZ_B)/seeds
	AFL_QUICK=$(AFL_QUICK) fuzz/afl.sh $(AFL_SECONDS) $(AFL_ONLY)

# The files under /etc, as shipped (paths filled in for SBINDIR), staged
# for scripts/conffiles.sh, which keeps what the operator edited.
STAGE     := build/stage
# checksums of the /etc files as last installed; MANIFEST= (a package
# build) copies them without it
MANIFEST  ?= $(DESTDIR)$(PREFIX)/share/mailservers/conffiles.md5
ARGSFILES := smtpd.args submission.args pop3d.args aliases
stage:
	rm -rf $(STAGE)
	install -d $(STAGE)$(XINETDDIR) $(STAGE)$(TLSDIR) \
	    $(STAGE)$(F2BDIR)/filter.d
	for f in $(XINETDS); do \
	    sed 's|/usr/local/sbin|$(SBINDIR)|g' xinetd.d/$$f \
	        >$(STAGE)$(XINETDDIR)/$$f || exit 1; done
	for f in $(ARGSFILES); do cp etc/$$f $(STAGE)$(TLSDIR)/ || exit 1; done
	for f in smtpd-starttls pop3d-stls; do \
	    cp tls/engine $(STAGE)$(TLSDIR)/$$f && \
	    chmod 0755 $(STAGE)$(TLSDIR)/$$f || exit 1; \
	    sed 's|/usr/local/sbin|$(SBINDIR)|g' tls/$$f.conf \
	        >$(STAGE)$(TLSDIR)/$$f.conf || exit 1; done
	for p in $(MXFILES); do \
	    cp -p mx/$${p%%:*} $(STAGE)$(TLSDIR)/$${p#*:} || exit 1; done
	cp mx/fail2ban/filter.d/mailservers.conf $(STAGE)$(F2BDIR)/filter.d/
	find $(STAGE) -type f ! -perm -u+x -exec chmod 0644 {} +
	find $(STAGE) -type f -perm -u+x -exec chmod 0755 {} +

# What is not under /etc is replaced on every install. The users file is
# made once, empty, readable by the servers' group and nobody else.
install: all stage
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR) $(DESTDIR)$(UNITDIR)
	install -m 0755 $(BIN)/smtpd $(BIN)/pop3d tls/mailservers-cert \
	    $(DESTDIR)$(SBINDIR)/
	sed -i 's|/etc/mailservers|$(TLSDIR)|g' $(DESTDIR)$(SBINDIR)/mailservers-cert
	install -m 0644 smtpd/smtpd.8 pop3d/pop3d.8 tls/mailservers-cert.8 \
	    $(DESTDIR)$(MANDIR)/
	for f in $(UNITS); do \
	    sed 's|/usr/local/sbin|$(SBINDIR)|g' systemd/$$f \
	        >$(DESTDIR)$(UNITDIR)/$$f && chmod 0644 $(DESTDIR)$(UNITDIR)/$$f \
	        || exit 1; done
	scripts/conffiles.sh install $(STAGE) $(DESTDIR)/ $(MANIFEST)
	@u=$(DESTDIR)$(USERSFILE); [ -e $$u ] || { \
	    install -d $(DESTDIR)$(dir $(USERSFILE)) && \
	    install -m 0640 /dev/null $$u && \
	    { chgrp mail $$u 2>/dev/null || \
	      echo "make install: chgrp mail $(USERSFILE) (the servers' group)"; }; }

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/smtpd $(DESTDIR)$(SBINDIR)/pop3d \
	    $(DESTDIR)$(SBINDIR)/mailservers-cert \
	    $(DESTDIR)$(MANDIR)/smtpd.8 $(DESTDIR)$(MANDIR)/pop3d.8 \
	    $(DESTDIR)$(MANDIR)/mailservers-cert.8 \
	    $(UNITS:%=$(DESTDIR)$(UNITDIR)/%)
	scripts/conffiles.sh uninstall $(DESTDIR)/ $(MANIFEST)
	-rmdir $(DESTDIR)$(TLSDIR) 2>/dev/null
	@u=$(DESTDIR)$(USERSFILE); if [ -s $$u ]; then \
	    echo "make uninstall: kept $(USERSFILE), which holds your users"; \
	elif [ -e $$u ]; then rm -f $$u; \
	    rmdir $(DESTDIR)$(dir $(USERSFILE)) 2>/dev/null || true; fi

# make deb: a Debian package (debhelper, debian/), built from a copy of
# the tree without build/, into build/deb/. DEB_VERSION names it.
DEB_VERSION ?= 0.1.$(shell git rev-list --count HEAD 2>/dev/null || echo 0)
deb:
	@scripts/need.sh deb
	rm -rf build/deb
	mkdir -p build/deb/src
	tar --exclude=./build --exclude=./.git --exclude=./demo -cf - . | \
	    tar -xf - -C build/deb/src
	printf '%s\n' "mailservers ($(DEB_VERSION)) unstable; urgency=medium" '' \
	    '  * Built from the tree by make deb.' '' \
	    " -- smtpd and pop3d maintainers <mailservers@example.org>  $$(date -R)" \
	    >build/deb/src/debian/changelog
	cd build/deb/src && dpkg-buildpackage -b -us -uc >../build.log 2>&1 || \
	    { tail -n 40 ../build.log; exit 1; }
	@ls build/deb/*.deb

clean:
	rm -rf build

# every variant's own dependencies (a mutant, musl or portable build too,
# so that a changed header rebuilds them)
-include $(shell find $(B) build/fuzz -name '*.d' -type f 2>/dev/null)
