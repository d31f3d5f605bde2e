# fuzz/fuzz.mk - build and run the libFuzzer targets (GNU make).
#
# Not for direct use: `make fuzz` in the build directory runs it with the
# compiler configure found (FUZZ_CC), the library's sources and the
# flags of its dependencies.  Every library source is compiled again by
# clang with coverage for libFuzzer and with ASan and UBSan, into
# fuzz/obj/; each fuzz/NAME.c links against them into fuzz/fuzz_NAME.
#
# `run` runs every target in turn for FUZZ_SECONDS seconds on a working
# corpus (fuzz/corpus/NAME, in the build directory) seeded from
# tests/fuzz/NAME; an input that crashes a target is saved as
# fuzz/crashes/NAME-crash-... and fails the run.

FUZZ_SECONDS = 60
FUZZ_TARGETS = config stage record frame partial gzip gzindex json
# FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION: the convention of libFuzzer
# and OSS-Fuzz; partial.c then ignores checksums, so that mutated
# partial files reach the reducers' decoders.
FUZZ_CFLAGS = -std=gnu11 -g -O1 -Wall -Wextra -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION \
	-I. $(SRC_INCLUDES) -I$(top_srcdir)/fuzz $(DEP_CFLAGS)

OBJS = $(patsubst %.c,fuzz/obj/%.o,$(filter %.c,$(LIB_SOURCES)))
LIB = fuzz/obj/libforkpipe.a
BINS = $(patsubst %,fuzz/fuzz_%,$(FUZZ_TARGETS))

all: $(BINS)

fuzz/obj/%.o: $(top_srcdir)/%.c
	@mkdir -p $(@D)
	@echo "  FUZZCC   $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

$(LIB): $(OBJS)
	@rm -f $@
	@ar cr $@ $(OBJS)

fuzz/fuzz_%: $(top_srcdir)/fuzz/%.c $(top_srcdir)/fuzz/fuzz.h $(LIB)
	@echo "  FUZZLD   $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $< $(LIB) $(DEP_LIBS) -o $@

# One target after the other (the other core keeps the machine usable);
# -timeout catches inputs that make a target hang, -rss_limit_mb ones
# that make it allocate without bound.
run: all
	@mkdir -p fuzz/crashes; \
	failed=""; \
	for t in $(FUZZ_TARGETS); do \
		mkdir -p fuzz/corpus/$$t; \
		echo "=== fuzz_$$t: $(FUZZ_SECONDS) s, seeds in tests/fuzz/$$t"; \
		fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
			-print_final_stats=1 -artifact_prefix=fuzz/crashes/$$t- \
			fuzz/corpus/$$t $(top_srcdir)/tests/fuzz/$$t > fuzz/$$t.log 2>&1 || \
			failed="$$failed $$t"; \
		grep -E '^(stat::number_of_executed_units|stat::average_exec_per_sec|Done )' \
			fuzz/$$t.log || true; \
	done; \
	if [ -n "$$failed" ]; then \
		for t in $$failed; do echo "=== fuzz_$$t FAILED:"; tail -n 60 fuzz/$$t.log; done; \
		echo "make fuzz: crashes in:$$failed (inputs in fuzz/crashes/)" >&2; \
		exit 1; \
	fi

-include $(OBJS:.o=.d)

.SECONDARY: $(OBJS)
.PHONY: all run
