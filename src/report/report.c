/* report.c - the run report as JSON: the destination, the interval
 * lines, the final object, also from the fatal path. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "clock.h"
#include "json.h"
#include "output.h"
#include "report.h"
#include "util.h"

#define REPORT_VERSION 1

/* One run per process: fatal() finds the report here. */
static struct {
	bool armed;
	char *path;		/* the destination; "-" is standard error */
	struct stats *stats;
	int fd;			/* standard error, or the JSON-lines file */
	struct output *out;	/* the single object: temporary file, renamed */
	const char *name;	/* for messages */
	double interval, next;	/* seconds; monotonic deadline of the next line */
	double start;		/* monotonic, until stats are attached */
	double start_unix;
	bool careful;		/* replace only a missing file or a report */
} rep = { .fd = -1 };

static double unix_now(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* What a report looks like from its first bytes: an earlier report,
 * which a careful report may replace. */
static bool replaceable(const char *path)
{
	static const char head[] = "{\"type\":";
	char got[sizeof head - 1];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	bool ok;

	if (fd < 0)
		return errno == ENOENT;
	ok = read(fd, got, sizeof got) == (ssize_t)sizeof got && memcmp(got, head, sizeof got) == 0;
	close(fd);
	return ok;
}

static void on_fatal(int code, const char *msg)
{
	char *err = NULL;

	if (rep.careful && strcmp(rep.path, "-") != 0 && !replaceable(rep.path)) {
		warnx_("--stats-json: %s: not written: it is not a report, and the configuration "
		    "that would say whether it is an input could not be loaded", rep.path);
		return;
	}
	if (report_end(code, msg, &err) < 0) {
		warnx_("%s", err);
		free(err);
	}
}

/*
 * Open the destination: standard error; the JSON-lines file, replaced
 * now and appended to line by line; or a temporary file beside the one
 * object's, renamed into place at the end.  0, or -1 with *err.
 */
static int open_dest(bool lines, char **err)
{
	if (strcmp(rep.path, "-") == 0) {
		rep.fd = STDERR_FILENO;
		return 0;
	}
	if (lines) {
		rep.fd = open(rep.path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0666);
		if (rep.fd >= 0)
			return 0;
		*err = xasprintf("--stats-json: %s: cannot create: %s", rep.path, strerror(errno));
		return -1;
	}
	rep.out = output_open(rep.path, err);
	if (rep.out != NULL)
		return 0;
	char *why = *err;

	*err = xasprintf("--stats-json: %s", why);
	free(why);
	return -1;
}

/* Armed: the destination is known, and fatal() will report. */
void report_early(const char *path)
{
	if (!rep.armed) {
		rep.start = clock_now();
		rep.start_unix = unix_now();
	}
	free(rep.path);
	rep.path = xstrdup(path);
	rep.name = strcmp(path, "-") == 0 ? "stderr" : rep.path;
	rep.armed = true;
	fatal_report(on_fatal);
}

void report_careful(bool on)
{
	rep.careful = on;
}

void report_disarm(void)
{
	rep.armed = false;
	fatal_report(NULL);
}

void report_open(const struct job *job)
{
	char *err = NULL;

	if (job->stats_json == NULL && job->stats_interval <= 0)
		return;
	report_early(job->stats_json != NULL ? job->stats_json : "-");
	rep.interval = job->stats_interval;
	if (open_dest(rep.interval > 0, &err) < 0) {
		rep.armed = false;	/* nowhere to write it */
		fatal_report(NULL);
		fatal(EXIT_CANTCREAT, "%s", err);
	}
}

void report_attach(struct stats *s)
{
	rep.stats = s;
	if (s != NULL && rep.interval > 0)
		rep.next = s->start + rep.interval;
}

bool report_to_stderr(void)
{
	return rep.armed && rep.fd == STDERR_FILENO;
}

double report_deadline(void)
{
	return rep.armed && rep.stats != NULL && rep.interval > 0 ? rep.next : 0;
}

static double rate(double n, double secs)
{
	return secs > 0 ? n / secs : 0;
}

/* Figures both kinds of line carry. */
static void put_counts(struct buf *b, const struct stats *s, double wall)
{
	uint64_t rin = s != NULL ? stats_records_in(s) : 0;
	uint64_t bin = s != NULL ? s->bytes_in : 0;

	json_num(b, "elapsed_seconds", wall, 3);
	json_u64(b, "input_bytes", bin);
	json_u64(b, "input_records", rin);
	json_u64(b, "output_bytes", s != NULL ? s->bytes_out : 0);
	json_u64(b, "output_records", s != NULL ? stats_records_out(s) : 0);
	json_u64(b, "chunks", s != NULL ? s->chunks_done : 0);
	json_u64(b, "retries", s != NULL ? s->retries : 0);
	json_u64(b, "rejected_records", s != NULL ? s->rejected : 0);
	json_open(b, "rejected_first", '[');
	for (uint64_t i = 0; s != NULL && i < s->rejected && i < STATS_REJECTED_FIRST; i++) {
		json_open(b, NULL, '{');
		json_str(b, "input", s->rejected_first[i].input);
		if (s->rejected_first[i].offset != UINT64_MAX)	/* else rewritten by a stage */
			json_u64(b, "offset", s->rejected_first[i].offset);
		json_close(b, '}');
	}
	json_close(b, ']');
	json_num(b, "mb_per_second", rate((double)bin / 1e6, wall), 3);
	json_num(b, "records_per_second", rate((double)rin, wall), 1);
}

/* The processes: the supervisor, and each worker slot. */
static void put_processes(struct buf *b, const struct stats *s)
{
	double user = 0, sys = 0;
	long rss = 0;

	if (s != NULL)
		stats_self(s, &user, &sys, &rss);
	json_open(b, "supervisor", '{');
	json_num(b, "user_seconds", user, 6);
	json_num(b, "system_seconds", sys, 6);
	json_int(b, "max_rss_kb", rss);
	json_close(b, '}');
	json_open(b, "workers", '[');
	for (int i = 0; s != NULL && i < s->nslots; i++) {
		const struct stats_slot *w = &s->slots[i];

		json_open(b, NULL, '{');
		json_int(b, "worker", i);
		json_u64(b, "processes", w->processes);
		json_u64(b, "chunks", w->chunks);
		json_num(b, "user_seconds", (double)w->user_us / 1e6, 6);
		json_num(b, "system_seconds", (double)w->sys_us / 1e6, 6);
		json_int(b, "max_rss_kb", w->max_rss_kb);
		json_close(b, '}');
	}
	json_close(b, ']');
}

static void put_stages(struct buf *b, const struct stats *s)
{
	json_open(b, "stages", '[');
	for (size_t i = 0; s != NULL && i < s->job->nstages; i++) {
		const struct stage *st = s->job->stages[i];
		double wk = stats_stage_seconds(s, i, false), mg = stats_stage_seconds(s, i, true);

		json_open(b, NULL, '{');
		json_u64(b, "index", i + 1);
		json_str(b, "name", st->def->name);
		json_str(b, "origin", st->origin);
		json_num(b, "workers_cpu_seconds", wk, 6);
		json_num(b, "merger_cpu_seconds", mg, 6);
		json_num(b, "cpu_seconds", wk + mg, 6);
		json_close(b, '}');
	}
	json_close(b, ']');
}

/* Interval lines: the workers silent on a chunk past --stall-warning. */
static void put_stalled(struct buf *b, const struct stats *s)
{
	json_open(b, "stalled_workers", '[');
	for (int i = 0; s != NULL && i < s->nslots; i++) {
		const struct stats_slot *w = &s->slots[i];

		if (w->stalled_pid == 0)
			continue;
		json_open(b, NULL, '{');
		json_int(b, "worker", i);
		json_int(b, "pid", w->stalled_pid);
		json_num(b, "seconds", w->stalled, 3);
		json_bool(b, "stopped", w->stalled_stopped);
		json_close(b, '}');
	}
	json_close(b, ']');
}

void report_render(struct buf *b, const struct stats *s, bool final, int code, const char *error)
{
	double wall = s != NULL ? stats_elapsed(s) : clock_now() - rep.start;

	json_open(b, NULL, '{');
	json_str(b, "type", final ? "final" : "interval");
	json_int(b, "version", REPORT_VERSION);
	json_num(b, "start_time", rep.start_unix, 3);
	if (final) {
		json_num(b, "end_time", unix_now(), 3);
		json_int(b, "exit_code", code);
		json_str(b, "error", error);
	}
	put_counts(b, s, wall);
	if (!final)
		put_stalled(b, s);
	if (final) {
		put_processes(b, s);
		json_num(b, "cpu_seconds", s != NULL ? stats_cpu_seconds(s) : 0, 6);
		put_stages(b, s);
	}
	json_close(b, '}');
	buf_putc(b, '\n');
}

/* One line to the file or standard error: one write. */
static int put_line(const struct buf *b, char **err)
{
	if (write_all(rep.fd, b->data, b->len) == 0 || rep.fd == STDERR_FILENO)
		return 0;
	*err = xasprintf("--stats-json: %s: write error: %s", rep.name, strerror(errno));
	return -1;
}

void report_interval(void)
{
	struct buf b = { 0 };
	char *err = NULL;
	double now = clock_now();

	if (report_deadline() == 0)
		return;
	/* A late tick (a long stretch without the event loop) is not made
	 * up for with a burst of lines. */
	rep.next = rep.next + rep.interval > now ? rep.next + rep.interval : now + rep.interval;
	report_render(&b, rep.stats, false, 0, NULL);
	if (put_line(&b, &err) < 0) {
		/* Where this line could not go, no final object would. */
		rep.armed = false;
		fatal_report(NULL);
		fatal(EXIT_IOERR, "%s", err);
	}
	buf_free(&b);
}

int report_end(int code, const char *error, char **err)
{
	struct buf b = { 0 };
	int rc;

	if (!rep.armed) {
		rep.stats = NULL;
		return 0;
	}
	rep.armed = false;
	fatal_report(NULL);
	report_render(&b, rep.stats, true, code, error);
	/* Armed early, the run ended before the destination was opened. */
	if (rep.fd < 0 && rep.out == NULL)
		rc = open_dest(false, err);
	else
		rc = 0;
	if (rc == 0 && rep.out == NULL) {
		rc = put_line(&b, err);
	} else if (rc == 0) {
		rc = output_write(rep.out, b.data, b.len, err) == 0 && output_commit(rep.out, err) == 0 ? 0 : -1;
		if (rc < 0) {
			char *why = *err;

			*err = xasprintf("--stats-json: %s", why);
			free(why);
		}
	}
	output_free(rep.out);
	rep.out = NULL;
	if (rep.fd > STDERR_FILENO)
		close(rep.fd);
	rep.fd = -1;
	rep.stats = NULL;
	free(rep.path);
	rep.path = NULL;
	buf_free(&b);
	return rc;
}
