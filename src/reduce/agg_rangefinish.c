/* agg_rangefinish.c - the finish of a grouping partial held as sorted runs,
 * split by key range over several processes.
 *
 * With many groups the merger's finish (merging the workers' runs in key
 * order, combining each key's entries, printing each group) is as much
 * work as the workers' fold, and it is serial: at -j2 it took as long as
 * the rest of the run.  The runs are already in the merger's spill file,
 * so at the finish it forks procs - 1 helpers (once, not per chunk; the
 * fork shares the merger's memory copy-on-write and its spill file
 * descriptor).  The key range is cut at keys taken from the largest run
 * at even byte distances; the merger prints the first range itself, and
 * helper q prints range q into a temporary file of its own.  The merger
 * then hands each helper's file to the sink in key order, so the output
 * is byte for byte the serial finish's.
 *
 * Only callbacks that append each group's output to an agg_out and keep
 * no state from group to group take this path (agg_finish_out).  A
 * helper that fails in any way (fork, a spill file, a signal) costs
 * nothing but time: its range is printed by the merger itself, which
 * then meets the same error, if any, and reports it as the serial finish
 * would.  Each process reads its runs with buffers from its part of the
 * merger's memory budget, so the finish stays within the share. */
#include "autoconfig.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "aggpart.h"
#include "util.h"

#define SPLIT_MIN (16u << 20)	/* run bytes below which one process is enough */
#define PROCS_MAX 64

/* The CPU the helpers took, for the run's figures (agg_rangefinish_cpu). */
static uint64_t helpers_user_us, helpers_sys_us;

void agg_rangefinish_cpu(uint64_t *user_us, uint64_t *sys_us)
{
	*user_us = helpers_user_us;
	*sys_us = helpers_sys_us;
}

/* A helper: its range, its output file and its process. */
struct helper {
	struct agg_keys kr;
	struct spillfile out;
	pid_t pid;		/* 0: not running (its range is the merger's) */
};

/* The sink of a helper: its output file. */
struct file_sink {
	struct sink sink;
	struct spillfile *f;
};

static int file_put(struct sink *s, char *data, size_t len)
{
	struct file_sink *fs = (struct file_sink *)s;

	return spillfile_write(fs->f, data, len) < 0 ? EXIT_IOERR : 0;
}

/*
 * Up to n - 1 keys that cut the largest run into n parts of about equal
 * bytes, ascending, copied into cut[]: how many.  The runs' keys are
 * spread alike (each worker's table holds a sample of the input), so
 * the cuts split the others about evenly too.
 */
static size_t cut_keys(struct agg_part *p, size_t n, struct agg_key *cut)
{
	size_t big = 0, got = 0;
	struct run_reader rd;
	uint64_t at = 0;
	const char *ent;
	size_t elen;

	for (size_t i = 1; i < p->nruns; i++)
		if (p->runs[i].len > p->runs[big].len)
			big = i;
	run_reader_open(&rd, &p->sf, p->runs[big].off, p->runs[big].len, PIECE);
	while (got + 1 < n && run_reader_next(&rd, &ent, &elen) == 0) {
		struct rd d = { (const unsigned char *)ent, (const unsigned char *)ent + elen, false };
		size_t klen;
		const char *key;

		at += elen + 1;
		if (at < p->runs[big].len / n * (got + 1))
			continue;
		klen = get_varint(&d);
		key = get_bytes(&d, klen);
		if (d.bad)
			break;
		cut[got].p = memcpy(xmalloc(klen + 1), key, klen);
		cut[got++].len = klen;
	}
	run_reader_close(&rd);
	return got;
}

/* In a helper: print range h into its file and end. */
static void helper_run(struct agg_part *p, struct helper *h, agg_group_fn fn, void *ctx,
    struct agg_out *out, pid_t merger)
{
	struct file_sink fs = { { file_put, NULL, NULL }, &h->out };
	char *err = NULL;
	int rc;

	/* Die with the merger; a signal meant for the run ends the helper
	 * as it is (the merger prints its range again if it goes on). */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != merger)
		_exit(1);	/* gone before the line above */
	prctl(PR_SET_NAME, "forkpipe-finish");
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	out->b.len = 0;	/* what the merger had gathered is its own */
	out->sink = &fs.sink;
	rc = agg_finish_runs(p, 0, &h->kr, fn, ctx, &err);
	if (rc == 0)
		rc = agg_out_flush(out, true);
	_exit(rc == 0 ? 0 : 1);
}

static void helper_start(struct agg_part *p, struct helper *h, agg_group_fn fn, void *ctx,
    struct agg_out *out)
{
	pid_t merger = getpid();

	h->pid = 0;
	spillfile_init(&h->out, p->spec->stage, p->tmpdir);
	/* Opened here, so that the merger reads what the helper writes. */
	if (spillfile_write(&h->out, "", 0) < 0)
		return;
	h->pid = fork();
	if (h->pid == 0)
		helper_run(p, h, fn, ctx, out, merger);
	if (h->pid < 0)
		h->pid = 0;
}

/* Whether helper h ended well, reaping it. */
static bool helper_done(struct helper *h)
{
	struct rusage ru;
	int status;
	pid_t r;

	if (h->pid == 0)
		return false;
	do
		r = wait4(h->pid, &status, 0, &ru);
	while (r < 0 && errno == EINTR);
	h->pid = 0;
	if (r > 0) {
		helpers_user_us += (uint64_t)ru.ru_utime.tv_sec * 1000000 + (uint64_t)ru.ru_utime.tv_usec;
		helpers_sys_us += (uint64_t)ru.ru_stime.tv_sec * 1000000 + (uint64_t)ru.ru_stime.tv_usec;
	}
	return r > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void helper_stop(struct helper *h)
{
	if (h->pid > 0)
		kill(h->pid, SIGKILL);
	helper_done(h);
}

/* Helper h's output into out's sink, in pieces: 0, or an exit code. */
static int helper_copy(struct helper *h, struct agg_out *out, char **err)
{
	struct stat st;
	uint64_t off = 0, size;
	int rc;

	if (fstat(h->out.fd, &st) < 0) {
		spillfile_fail(&h->out, xasprintf("cannot read a temporary file in %s: %s",
		    h->out.dir, strerror(errno)));
		*err = xstrdup(h->out.err);
		return EXIT_IOERR;
	}
	size = (uint64_t)st.st_size;
	if ((rc = agg_out_flush(out, true)) != 0)
		return rc;
	while (off < size) {
		size_t n = size - off < PIECE ? (size_t)(size - off) : PIECE;

		buf_reserve(&out->b, n);
		if (spillfile_pread(&h->out, out->b.data, n, off) < 0) {
			*err = xstrdup(h->out.err);
			return EXIT_IOERR;
		}
		out->b.len = n;
		off += n;
		if ((rc = agg_out_flush(out, true)) != 0)
			return rc;
	}
	return 0;
}

int agg_finish_split(struct agg_part *p, agg_group_fn fn, void *ctx, struct agg_out *out,
    char **err)
{
	uint64_t bytes = 0, memory = p->memory;
	size_t n = p->procs < PROCS_MAX ? p->procs : PROCS_MAX, ncut;
	struct agg_key cut[PROCS_MAX];
	struct helper *hs;
	struct agg_keys first = { { NULL, 0 }, { NULL, 0 } };
	int rc;

	for (size_t i = 0; i < p->nruns; i++)
		bytes += p->runs[i].len;
	/* A good part of a small budget counts as much (so that tests with a
	 * tiny --memory take this path). */
	if ((bytes < SPLIT_MIN && (p->memory == 0 || bytes < p->memory / 8)) ||
	    (ncut = cut_keys(p, n, cut)) == 0)
		return agg_finish_runs(p, 0, NULL, fn, ctx, err);
	/* Each process reads the runs with its part of the budget; the runs
	 * the spill file holds in memory are the merger's, shared by the
	 * helpers (read, never copied), and each counts them whole. */
	if (p->memory != 0) {
		uint64_t mem = spillfile_mem_bytes(&p->sf);
		uint64_t rest = p->memory > mem ? (p->memory - mem) / (ncut + 1) : 0;

		p->memory = mem + rest > 0 ? mem + rest : 1;
	}
	hs = xcalloc(ncut, sizeof *hs);
	for (size_t q = 0; q < ncut; q++) {
		hs[q].kr.lo = cut[q];
		if (q + 1 < ncut)
			hs[q].kr.hi = cut[q + 1];
		helper_start(p, &hs[q], fn, ctx, out);
	}
	first.hi = cut[0];
	rc = agg_finish_runs(p, 0, &first, fn, ctx, err);
	for (size_t q = 0; q < ncut; q++) {
		if (rc != 0) {
			helper_stop(&hs[q]);
		} else if (helper_done(&hs[q])) {
			rc = helper_copy(&hs[q], out, err);
		} else {
			/* The helper failed: its range is printed here. */
			rc = agg_finish_runs(p, 0, &hs[q].kr, fn, ctx, err);
		}
		spillfile_close(&hs[q].out);
	}
	for (size_t q = 0; q < ncut; q++)
		free((char *)cut[q].p);
	free(hs);
	p->memory = memory;
	return rc;
}
