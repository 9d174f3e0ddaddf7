# smtpd and pop3d: small mail servers run once per connection by a superserver.
#
#   make                 build (objects under build/plain/)
#   make run             the quick start: demo servers on 127.0.0.1:2525/1100
#   make test            run the whole bats suite under t/
#   make check-sanitize  the same suite, built with -fsanitize=address,undefined
#   make install         PREFIX (/usr/local) and DESTDIR honoured
#   make uninstall
#   make clean
#
# SANITIZE=1 selects the sanitized build for any target; it lives in
# build/san/ so switching does not rebuild the plain objects.

CC      ?= cc
CFLAGS  ?= -O2 -g
SANITIZE ?= 0

ifeq ($(SANITIZE),1)
VARIANT  := san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
            -fno-omit-frame-pointer
else
VARIANT  := plain
SANFLAGS :=
endif

B        := build/$(VARIANT)
WARN     := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wformat=2
ALL_CPPFLAGS := -D_DEFAULT_SOURCE -I. $(CPPFLAGS)
ALL_CFLAGS   := $(WARN) $(CFLAGS) $(SANFLAGS) -MMD -MP
ALL_LDFLAGS  := $(SANFLAGS) $(LDFLAGS)
LDLIBS   := -lcrypt

COMMON_SRC := $(wildcard common/*.c)
SPOOL_SRC  := $(wildcard spool/*.c)
SMTPD_SRC  := $(filter-out smtpd/main.c,$(wildcard smtpd/*.c))
POP3D_SRC  := $(filter-out pop3d/main.c,$(wildcard pop3d/*.c))
TOOLS      := spooltool usertool linetool
UNITS      := unit_line unit_md5 unit_users unit_quote unit_address unit_data \
              unit_sasl unit_peer

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

.PHONY: all run test check-sanitize install uninstall clean
# Keep the tools' objects: they are intermediates of a pattern chain.
.SECONDARY:
all: $(PROGRAMS) $(TEST_BINS)

$(B)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(LIBCOMMON): $(COMMON_SRC:%.c=$(B)/%.o)
	rm -f $@ && $(AR) rcs $@ $^
$(LIBSPOOL): $(SPOOL_SRC:%.c=$(B)/%.o)
	rm -f $@ && $(AR) rcs $@ $^
$(LIBSMTPD): $(SMTPD_SRC:%.c=$(B)/%.o)
	rm -f $@ && $(AR) rcs $@ $^
$(LIBPOP3D): $(POP3D_SRC:%.c=$(B)/%.o)
	rm -f $@ && $(AR) rcs $@ $^

$(BIN)/smtpd: $(B)/smtpd/main.o $(LIBSMTPD) $(LIBSPOOL) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)
ifeq ($(VARIANT),plain)
	cp $@ smtpd/smtpd
endif

$(BIN)/pop3d: $(B)/pop3d/main.o $(LIBPOP3D) $(LIBSPOOL) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)
ifeq ($(VARIANT),plain)
	cp $@ pop3d/pop3d
endif

$(BIN)/%: $(B)/t/tools/%.o $(LIBSPOOL) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)
$(BIN)/unit_%: $(B)/t/unit/unit_%.o $(LIBSMTPD) $(LIBSPOOL) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)

# The suite finds the binaries under test through BIN; sanitizer reports of
# any process, background ones included, land in SAN_LOGS and fail the run;
# it is world-writable because smtpd drops root to nobody in the tests.
SAN_LOGS := $(abspath $(B)/sanitizer-logs)
test: all
	@rm -rf $(SAN_LOGS) && mkdir -p $(SAN_LOGS) && chmod 1777 $(SAN_LOGS)
	BIN=$(abspath $(BIN)) SANITIZE=$(SANITIZE) SAN_LOGS=$(SAN_LOGS) \
	ASAN_OPTIONS=log_path=$(SAN_LOGS)/asan:detect_leaks=1 \
	UBSAN_OPTIONS=log_path=$(SAN_LOGS)/ubsan:print_stacktrace=1:halt_on_error=1 \
	    bats t/
	@if [ -n "$$(ls -A $(SAN_LOGS))" ]; then \
	    echo "sanitizer reports:"; cat $(SAN_LOGS)/*; exit 1; fi

check-sanitize:
	$(MAKE) SANITIZE=1 test

run: all
	scripts/run-demo.sh

# The shipped service files name /usr/local/sbin; installed, they name
# $(SBINDIR).
install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR) \
	    $(DESTDIR)$(UNITDIR) $(DESTDIR)$(XINETDDIR)
	install -m 0755 $(BIN)/smtpd $(BIN)/pop3d $(DESTDIR)$(SBINDIR)/
	install -m 0644 smtpd/smtpd.8 pop3d/pop3d.8 $(DESTDIR)$(MANDIR)/
	for f in smtpd.socket smtpd@.service pop3d.socket pop3d@.service; do \
	    sed 's|/usr/local/sbin|$(SBINDIR)|g' systemd/$$f \
	        >$(DESTDIR)$(UNITDIR)/$$f && chmod 0644 $(DESTDIR)$(UNITDIR)/$$f \
	        || exit 1; done
	for f in smtpd pop3d; do \
	    sed 's|/usr/local/sbin|$(SBINDIR)|g' xinetd.d/$$f \
	        >$(DESTDIR)$(XINETDDIR)/$$f && chmod 0644 $(DESTDIR)$(XINETDDIR)/$$f \
	        || exit 1; done

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/smtpd $(DESTDIR)$(SBINDIR)/pop3d \
	    $(DESTDIR)$(MANDIR)/smtpd.8 $(DESTDIR)$(MANDIR)/pop3d.8 \
	    $(DESTDIR)$(UNITDIR)/smtpd.socket $(DESTDIR)$(UNITDIR)/smtpd@.service \
	    $(DESTDIR)$(UNITDIR)/pop3d.socket $(DESTDIR)$(UNITDIR)/pop3d@.service \
	    $(DESTDIR)$(XINETDDIR)/smtpd $(DESTDIR)$(XINETDDIR)/pop3d

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
