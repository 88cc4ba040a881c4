# wsctl - check, run and load WebSocket reverse proxies.
#
#   make          build ./wsctl (installs missing packages first)
#   make test     build and run every test; the last line is "N passed, N failed"
#   make demo     the main job on a built-in default
#   make asan     build-asan/wsctl with ASan and UBSan (make test runs it too)
#   make fuzz     every libFuzzer harness in fuzz/ for FUZZ_TIME seconds each
#   make deps     install missing Debian and npm packages, nothing else
#   make install  wsctl, its man pages and completions under PREFIX
#                 (/usr/local) in DESTDIR; make uninstall removes them

CC      ?= cc
PKGS    := libwebsockets libcjson libcurl openssl libnghttp2 zlib
WARN    := -Wall -Wextra -Werror
CFLAGS  ?= -O2 -g
override CFLAGS += -std=c11 $(WARN) -D_GNU_SOURCE -I. $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
override LDLIBS += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm

B       ?= build
COMMON  := $(wildcard common/*.c)
APP     := $(wildcard cli/*.c fixtures/*.c checks/*.c proxy/*.c bench/*.c)
UNIT    := $(wildcard tests/unit/*.c)
UNITLIB := $(wildcard checks/nginx_*.c) bench/hist.c proxy/lb.c \
           proxy/lb_roundrobin.c proxy/lb_iphash.c proxy/lb_leastconn.c \
           proxy/conf.c cli/report_roots.c $(wildcard checks/proxy*.c)

COMMON_O := $(COMMON:%.c=$(B)/%.o)
APP_O    := $(APP:%.c=$(B)/%.o)
UNIT_O   := $(UNIT:%.c=$(B)/%.o) $(UNITLIB:%.c=$(B)/%.o)

.PHONY: all deps test demo asan fuzz fuzz-build clean man install uninstall

all: deps wsctl man

deps:
	@scripts/deps.sh

wsctl: $(B)/wsctl
	@cp $< $@

$(B)/wsctl: $(APP_O) $(COMMON_O)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/unit_tests: $(UNIT_O) $(COMMON_O)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/%.o: %.c $(wildcard common/*.h cli/*.h fixtures/*.h checks/*.h proxy/*.h bench/*.h fuzz/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# Man pages, made from each command's --help (scripts/man.sh): the text
# docs/CMD.md shows too, so the three never drift apart.
COMMANDS := check echo connect proxy bench
MANS     := $(B)/man/wsctl.1 $(COMMANDS:%=$(B)/man/wsctl-%.1)

man: $(MANS)

$(B)/man/wsctl.1: $(B)/wsctl scripts/man.sh
	@mkdir -p $(dir $@)
	scripts/man.sh $(B)/wsctl wsctl >$@

$(B)/man/wsctl-%.1: $(B)/wsctl scripts/man.sh
	@mkdir -p $(dir $@)
	scripts/man.sh $(B)/wsctl $* >$@

PREFIX      ?= /usr/local
BINDIR      := $(PREFIX)/bin
MAN1DIR     := $(PREFIX)/share/man/man1
BASHCOMPDIR := $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  := $(PREFIX)/share/zsh/site-functions

install: wsctl man
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MAN1DIR) \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	install -m 755 wsctl $(DESTDIR)$(BINDIR)/wsctl
	install -m 644 $(MANS) $(DESTDIR)$(MAN1DIR)/
	install -m 644 completion/wsctl.bash $(DESTDIR)$(BASHCOMPDIR)/wsctl
	install -m 644 completion/_wsctl $(DESTDIR)$(ZSHCOMPDIR)/_wsctl

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/wsctl $(DESTDIR)$(BASHCOMPDIR)/wsctl \
		$(DESTDIR)$(ZSHCOMPDIR)/_wsctl \
		$(MANS:$(B)/man/%=$(DESTDIR)$(MAN1DIR)/%)

# The ASan/UBSan pass covers every test but valgrind's (the two do not mix)
# and the install and package builds (they test the plain build);
# ASAN_TESTS narrows it to some scripts.
ASAN_TESTS ?= 00* 2* 3* 4* 5* 6*

test: deps wsctl man $(B)/unit_tests asan fuzz-build
	@WSCTL=$(CURDIR)/wsctl UNIT=$(CURDIR)/$(B)/unit_tests \
		ASAN_WSCTL=$(CURDIR)/build-asan/wsctl \
		ASAN_UNIT=$(CURDIR)/build-asan/unit_tests \
		ASAN_TESTS="$(ASAN_TESTS)" tests/run

demo: deps wsctl
	@scripts/demo.sh

asan:
	@$(MAKE) --no-print-directory B=build-asan \
		CFLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all" \
		build-asan/wsctl build-asan/unit_tests

# libFuzzer harnesses (fuzz/fuzz_NAME.c), built with clang into
# build-fuzz/fuzz_NAME; each links common/ and what it tests besides.
FUZZERS := $(patsubst fuzz/fuzz_%.c,%,$(wildcard fuzz/fuzz_*.c))
FUZZ_EXTRA_nginx      := $(wildcard checks/nginx_*.c)
FUZZ_EXTRA_proxy_json := proxy/config_json.c proxy/conf.c proxy/lb.c \
	proxy/lb_roundrobin.c proxy/lb_iphash.c proxy/lb_leastconn.c
FUZZ_EXTRA_rewrite    := proxy/rewrite.c
FUZZ_EXTRA_proxy_conf := checks/proxy.c checks/proxy_haproxy.c \
                         checks/proxy_caddy.c checks/proxy_apache.c \
                         checks/proxy_nginx.c
FUZZ_EXTRA_threshold  := bench/threshold.c bench/hist.c bench/report.c bench/hdr.c \
                         bench/run.c bench/conn.c bench/frames.c bench/io.c
FUZZ_EXTRA_hdr        := bench/hdr.c bench/hist.c
fuzz_objs = $(addprefix $(B)/,$(FUZZ_EXTRA_$(1):.c=.o))
FUZZ_O_nginx      = $(call fuzz_objs,nginx)
FUZZ_O_proxy_json = $(call fuzz_objs,proxy_json)
FUZZ_O_rewrite    = $(call fuzz_objs,rewrite)
FUZZ_O_proxy_conf = $(call fuzz_objs,proxy_conf)
FUZZ_O_threshold  = $(call fuzz_objs,threshold)
FUZZ_O_hdr        = $(call fuzz_objs,hdr)
FUZZ_CFLAGS := -O1 -g -fno-omit-frame-pointer \
	-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
FUZZ_TIME ?= 60

fuzz-build: deps
	@$(MAKE) --no-print-directory B=build-fuzz CC=clang \
		CFLAGS="$(FUZZ_CFLAGS)" $(FUZZERS:%=build-fuzz/fuzz_%)

.SECONDEXPANSION:
$(B)/fuzz_%: $(B)/fuzz/fuzz_%.o $$(FUZZ_O_$$*) $(COMMON_O)
	$(CC) $(CFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)

fuzz: fuzz-build
	@scripts/fuzz $(FUZZ_TIME) $(FUZZERS)

clean:
	rm -rf build build-asan build-fuzz wsctl
