/* exec.c - the exec stage: run a command on each chunk.
 *
 * The records a chunk brings to the stage are written to the standard
 * input of `SHELL -c CMD`, started by the worker for that chunk, and what
 * the command writes on its standard output is the stage's output for
 * the chunk, in chunk order like any stage's.  Writing and reading go on
 * together (poll), so a command that writes more than a pipe holds before
 * it has read all its input cannot deadlock.  Output is handed on as it
 * comes (stage_out), in pieces of whole records of about PASS_AT bytes,
 * through the stages after this one and on to the merger, so memory
 * stays bounded however much the command writes, even when it never
 * ends (yes): when the stages after want no more (head has its count)
 * the command is stopped, which is not an error, as `yes | head -3` is
 * none in a shell.  An output record is held whole until it ends, so
 * --max-record bounds it: a longer one (a line without end) kills the
 * command and fails the run with 65, as a long input record does; it is
 * bad data, not a failed command, so --keep-going does not skip it.
 * Only the bytes read since the last look are searched for a record
 * end, so a long record is scanned once.  At the chunk's end (the end
 * callback) standard input is closed, the rest of the output read, and
 * the command's exit status checked: anything but 0 fails the run (exit
 * 70) naming the command, its status and the chunk.  A command that stops reading early (head -1)
 * is not an error: the rest of its input is dropped, as a shell pipeline
 * drops it.  After a reducer the stage runs in the merger, once, over the
 * whole result.
 *
 * The command sees FORKPIPE_CHUNK (the chunk's number), and, set by the
 * worker, FORKPIPE_WORKER, FORKPIPE_FILE and FORKPIPE_OFFSET; its
 * standard error is forkpipe's. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc.h"
#include "record.h"
#include "stage.h"
#include "util.h"

#define READ_PIECE (256 * 1024)
#define PASS_AT (256 * 1024)	/* output handed on in pieces of about this */
#define PIPE_SIZE (1 << 20)

struct exec {
	const char *cmd;
	const char *shell;
	pid_t pid;		/* the running command (its group), or 0 */
	pid_t guard;		/* its guard (see guard), or 0 */
	int in, out;		/* its standard input and output, or -1 */
	bool eof;		/* its output has ended */
	bool stopped;		/* the stages after want no more: it was killed */
	struct buf buf;		/* output read, not yet handed on */
	size_t want;		/* read until buf holds this much */
	size_t scanned;		/* buf[0..scanned) holds no record end */
	uint64_t seq;		/* the chunk, for the environment */
};

/*
 * Each command runs in a process group of its own, so that when it must
 * stop every process of it goes, the shell's children too: in a worker,
 * when the worker is stopped (SIGTERM: --chunk-timeout, the end of the
 * run, the supervisor's death); in the merger, on a signal.  The
 * handler may only use what is safe in a signal handler: the groups are
 * kept in a plain array.  In a worker that array is memory shared with
 * the supervisor, which kills the groups of a worker that died without
 * stopping them (SIGKILL) before it runs the worker's chunks again.
 */
static volatile sig_atomic_t own_groups[EXEC_GROUPS_MAX];
static volatile sig_atomic_t *running = own_groups;

static void stop_commands(int sig)
{
	for (int i = 0; i < EXEC_GROUPS_MAX; i++)
		if (running[i] > 0)
			kill(-(pid_t)running[i], SIGKILL);
	_exit(128 + sig);
}

void exec_isolate_commands(volatile sig_atomic_t *groups)
{
	struct sigaction sa;

	if (groups != NULL)
		running = groups;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = stop_commands;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
}

static void track(pid_t pid, pid_t was)
{
	for (int i = 0; i < EXEC_GROUPS_MAX; i++) {
		if (running[i] == (sig_atomic_t)was) {
			running[i] = (sig_atomic_t)pid;
			return;
		}
	}
}

static const struct stage_opt exec_opts[] = {
	{ "shell", 0, OPT_STRING, "the shell that runs the command (default: /bin/sh)", "SHELL" },
	{ NULL, 0, 0, NULL, NULL },
};

static const struct stage_arg exec_args[] = {
	{ "command", "the command, run by the shell with -c", false },
	{ NULL, NULL, false },
};

static int exec_setup(struct stage *st, char **err)
{
	struct exec *x = xcalloc(1, sizeof *x);

	(void)err;
	x->cmd = stage_arg(st, "command");
	x->shell = stage_str(st, "shell") != NULL ? stage_str(st, "shell") : "/bin/sh";
	x->in = x->out = -1;
	st->priv = x;
	return 0;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Wait for a child, whatever signals come: its status. */
static int reap(pid_t pid)
{
	int status = 0;

	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}

/* The command has ended (its status is taken): its guard goes. */
static void end_guard(struct exec *x)
{
	if (x->guard > 0) {
		kill(x->guard, SIGKILL);
		reap(x->guard);
	}
	x->guard = 0;
	track(0, x->pid);
	x->pid = 0;
}

/* Kill the command's group and wait for it: it is done with. */
static void kill_command(struct exec *x)
{
	if (x->pid <= 0)
		return;
	kill(-x->pid, SIGKILL);
	reap(x->pid);
	end_guard(x);
}

static void exec_teardown(struct stage *st)
{
	struct exec *x = st->priv;

	if (x == NULL)
		return;
	close_fd(&x->in);
	close_fd(&x->out);
	kill_command(x);
	buf_free(&x->buf);
	free(x);
	st->priv = NULL;
}

static void __attribute__((noreturn)) run_command(const struct exec *x, int in, int out)
{
	char chunk[32];
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	setpgid(0, 0);
	if (dup2(in, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0)
		_exit(127);
	snprintf(chunk, sizeof chunk, "%llu", (unsigned long long)x->seq);
	setenv("FORKPIPE_CHUNK", chunk, 1);
	execl(x->shell, x->shell, "-c", x->cmd, (char *)NULL);
	fprintf(stderr, PROGNAME ": exec: %s: %s\n", x->shell, strerror(errno));
	_exit(127);
}

/* The guard's end, or its parent's: the whole group goes, the guard too. */
static void kill_group(int sig)
{
	(void)sig;
	kill(0, SIGKILL);
}

/*
 * The command's guard: a process in the command's group that waits.
 * When the process that started the command dies, however it dies
 * (SIGKILL included, which leaves it no time to clean up), the guard is
 * told (PR_SET_PDEATHSIG) and kills the whole group: the shell's
 * children, which a death signal on the shell alone would leave running,
 * go too.  The guard is the command's sibling, not its parent, so the
 * command's $PPID is still the worker.
 */
static void __attribute__((noreturn)) guard(pid_t group, pid_t parent)
{
	struct sigaction sa;
	sigset_t none;

	/* In the group first: kill(0) must never reach the worker's. */
	if (setpgid(0, group) < 0)
		_exit(0);	/* the command is gone already */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = kill_group;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		kill_group(0);	/* the parent died before prctl */
	/* It keeps no descriptor: the pipes' ends must close when the
	 * command and the worker close theirs. */
	if (close_range(3, ~0U, 0) < 0)
		for (int fd = 3; fd < 1024; fd++)
			close(fd);
	for (;;)
		pause();
}

static int start(struct stage *st, const struct block *b, char **err)
{
	struct exec *x = st->priv;
	int in[2], out[2];
	struct sigaction sa;
	pid_t parent = getpid();

	/* A command that exits before reading all its input must not kill
	 * this process with SIGPIPE: the write fails with EPIPE instead. */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0) {
		*err = xasprintf("exec: pipe: %s", strerror(errno));
		return -1;
	}
	(void)fcntl(in[1], F_SETPIPE_SZ, PIPE_SIZE);
	(void)fcntl(out[1], F_SETPIPE_SZ, PIPE_SIZE);
	fflush(NULL);
	x->seq = b->seq;
	x->pid = fork();
	if (x->pid < 0) {
		*err = xasprintf("exec: fork: %s", strerror(errno));
		return -1;
	}
	if (x->pid == 0)
		run_command(x, in[0], out[1]);
	setpgid(x->pid, x->pid);	/* either may run first */
	track(x->pid, 0);
	x->guard = fork();
	if (x->guard == 0)
		guard(x->pid, parent);
	if (x->guard > 0)
		setpgid(x->guard, x->pid);
	else
		x->guard = 0;	/* the command runs unguarded */
	close(in[0]);
	close(out[1]);
	x->in = in[1];
	x->out = out[0];
	fcntl(x->in, F_SETFL, O_NONBLOCK);
	fcntl(x->out, F_SETFL, O_NONBLOCK);
	x->eof = x->stopped = false;
	x->buf.len = 0;
	x->want = PASS_AT;
	x->scanned = 0;
	return 0;
}

/* Read what the command has written, up to about x->want bytes held;
 * at its end of output, x->eof. */
static int drain(struct exec *x, char **err)
{
	while (x->buf.len < x->want) {
		buf_reserve(&x->buf, READ_PIECE);
		ssize_t n = read(x->out, x->buf.data + x->buf.len, READ_PIECE);

		if (n > 0) {
			x->buf.len += (size_t)n;
			continue;
		}
		if (n == 0) {
			x->eof = true;
			close_fd(&x->out);
			return 0;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN)
			return 0;
		*err = xasprintf("exec: reading the output of '%s': %s", x->cmd, strerror(errno));
		return -1;
	}
	return 0;
}

/* The stages after want no more of this chunk: the command goes, and
 * what it would still read or write is dropped. */
static void stop(struct exec *x)
{
	close_fd(&x->in);
	close_fd(&x->out);
	/* Not once it has ended (its last output): kill(-0) is our own group. */
	if (x->pid > 0)
		kill(-x->pid, SIGKILL);
	x->eof = x->stopped = true;
	x->buf.len = 0;
}

/* A record of the output longer than --max-record: the command goes
 * (the run fails). */
static int too_long(struct stage *st, char **err)
{
	struct exec *x = st->priv;

	stop(x);
	*err = xasprintf("exec: '%s': an output record is longer than --max-record (%llu bytes)",
	    x->cmd, (unsigned long long)st->max_record);
	return EXIT_DATAERR;
}

/* Whether some record of the whole records data[0..n) is longer than
 * --max-record (only possible when n is). */
static bool has_long_record(const struct stage *st, const char *data, size_t n)
{
	const char *why;
	size_t at;

	if (st->max_record == 0 || n <= st->max_record)
		return false;
	while (n > 0) {
		size_t r = records_first_end(st->fmt, st->term, data, n, &why, &at);

		if (r == 0)
			r = n;	/* the last one, its terminator supplied */
		if (r > st->max_record)
			return true;
		data += r;
		n -= r;
	}
	return false;
}

/*
 * The end of the whole records in the output read so far, or 0.  A new
 * record end needs a terminator among the bytes read since the last
 * look: only they are searched for one first, so that a long record
 * costs one pass over it, not one per piece read.
 */
static size_t whole_records(struct stage *st)
{
	struct exec *x = st->priv;
	const char *none;
	size_t at, from = x->scanned;

	x->scanned = x->buf.len;
	if (x->buf.len == from || memchr(x->buf.data + from, st->term, x->buf.len - from) == NULL)
		return 0;
	return records_last_end(st->fmt, st->term, x->buf.data, x->buf.len, &none, &at);
}

/*
 * Hand the whole records read so far (with all, every byte: the output
 * has ended, and its last record gets a terminator) through the stages
 * after this one.  0, or an exit code with *err.
 */
static int pass(struct stage *st, bool all, char **err)
{
	struct exec *x = st->priv;
	size_t n = x->buf.len;
	int rc;

	if (x->stopped)
		return 0;
	if (!all) {
		n = whole_records(st);
	} else if (n > 0 && x->buf.data[n - 1] != st->term) {
		buf_putc(&x->buf, st->term);
		n++;
	}
	/* A record is held whole until it ends: --max-record bounds it. */
	if (st->max_record > 0 && x->buf.len - n > st->max_record)
		return too_long(st, err);
	x->want = x->buf.len - n + PASS_AT;
	if (n == 0)
		return 0;
	if (has_long_record(st, x->buf.data, n))
		return too_long(st, err);
	struct block b = { .data = x->buf.data, .len = n, .nrec = NREC_UNKNOWN, .offset = OFFSET_UNKNOWN,
	    .seq = x->seq };

	rc = st->out->put(st->out, &b, err);
	memmove(x->buf.data, x->buf.data + n, x->buf.len - n);
	x->buf.len -= n;
	x->scanned = x->buf.len;
	if (rc == STAGE_ENOUGH) {
		stop(x);
		return 0;
	}
	return rc;
}

/* Read what has come, and hand it on once there is enough of it. */
static int take_output(struct stage *st, char **err)
{
	struct exec *x = st->priv;

	if (drain(x, err) < 0)
		return -1;
	return x->buf.len >= x->want ? pass(st, false, err) : 0;
}

/* A signal ended the run while the command runs (in the merger, after a
 * reducer, signals come in while it waits): the command goes too. */
static bool interrupted(struct exec *x, char **err)
{
	if (proc_quit_signal() == 0)
		return false;
	kill_command(x);
	*err = xstrdup("exec: interrupted");
	return true;
}

/* poll, for pump and exec_end: 0 (also when interrupted by a signal
 * that does not end the run), or -1 with *err. */
static int wait_for(struct exec *x, struct pollfd *p, nfds_t n, char **err)
{
	if (poll(p, n, -1) >= 0)
		return 0;
	if (errno == EINTR && interrupted(x, err))
		return -1;
	if (errno == EINTR)
		return 0;
	*err = xasprintf("exec: poll: %s", strerror(errno));
	return -1;
}

/* Write data to the command while reading its output, until all of it
 * is written or the command stops reading (or is stopped). */
static int pump(struct stage *st, const char *data, size_t len, char **err)
{
	struct exec *x = st->priv;
	int rc;

	while (len > 0 && x->in >= 0) {
		struct pollfd p[2] = { { x->in, POLLOUT, 0 }, { x->out, POLLIN, 0 } };

		p[0].revents = p[1].revents = 0;
		if (wait_for(x, p, x->eof ? 1 : 2, err) < 0)
			return -1;
		if (!x->eof && p[1].revents != 0 && (rc = take_output(st, err)) != 0)
			return rc;
		if (p[0].revents == 0 || x->in < 0)
			continue;
		ssize_t n = write(x->in, data, len);

		if (n > 0) {
			data += n;
			len -= (size_t)n;
		} else if (n < 0 && errno == EPIPE) {
			close_fd(&x->in);	/* it wants no more input */
		} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
			*err = xasprintf("exec: writing to '%s': %s", x->cmd, strerror(errno));
			return -1;
		}
	}
	return 0;
}

static int exec_map(struct stage *st, struct block *b, char **err)
{
	struct exec *x = st->priv;
	int rc;

	if (x->pid == 0 && start(st, b, err) < 0)
		return -1;
	rc = x->stopped ? 0 : pump(st, b->data, b->len, err);
	if (rc == 0)
		rc = pass(st, false, err);
	b->len = 0;	/* all of it is handed on */
	b->nrec = 0;
	return rc;
}

static char *describe(const struct exec *x, int status)
{
	char how[64];

	if (WIFSIGNALED(status))
		snprintf(how, sizeof how, "was killed by signal %d", WTERMSIG(status));
	else
		snprintf(how, sizeof how, "exited with status %d", WEXITSTATUS(status));
	return xasprintf("exec: '%s' %s", x->cmd, how);
}

/* The chunk's end: close the command's input, hand on the rest of its
 * output, and check its exit status (unless it was stopped). */
static int exec_end(struct stage *st, struct block *b, char **err)
{
	struct exec *x = st->priv;
	int status = 0, rc;

	/* A chunk none of whose records came this far still runs the
	 * command, on no input, as a serial run over it would (wc -l: 0). */
	b->len = 0;
	b->nrec = 0;
	if (x->pid == 0 && start(st, b, err) < 0)
		return -1;
	close_fd(&x->in);
	while (!x->eof) {
		struct pollfd p = { x->out, POLLIN, 0 };

		if (wait_for(x, &p, 1, err) < 0)
			return -1;
		if ((rc = take_output(st, err)) != 0)
			return rc;
	}
	status = reap(x->pid);
	end_guard(x);
	if (x->stopped)
		return 0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		*err = describe(x, status);
		return EXIT_SOFTWARE;
	}
	return pass(st, true, err);
}

const struct stage_def stage_exec = {
	.name = "exec",
	.summary = "run a command on each chunk: its standard input is the chunk's records, "
	    "its standard output the stage's output",
	.description =
		"Runs COMMAND with the shell (/bin/sh -c, or --shell) once per chunk: "
		"the records the chunk brings to the stage are its standard input, and what it "
		"writes on its standard output is the stage's output, in chunk order.  Input and "
		"output are pumped together, so a command that writes more than it reads "
		"does not deadlock.  The command's standard error is forkpipe's.  It sees "
		"FORKPIPE_CHUNK (the chunk's number), FORKPIPE_WORKER, FORKPIPE_FILE and "
		"FORKPIPE_OFFSET (the chunk's input and byte offset).  A command that exits "
		"with a status other than 0, or is killed, fails the run with exit 70, naming "
		"the command, its status and the chunk; one that stops reading early is not an "
		"error.  Its output is handed on as it comes, in pieces, so a command may write "
		"any amount, even without end: when a later head stage has its count the "
		"command is stopped, which is not an error either.  Its last output record "
		"gets a terminator if it lacks one.  An output record longer than --max-record "
		"(a line without end) kills the command and fails the run with exit 65.  After a "
		"reducer the command runs once, in the merger, over the whole result.",
	.kind = STAGE_MAP,
	.opts = exec_opts,
	.args = exec_args,
	.setup = exec_setup,
	.teardown = exec_teardown,
	.map = exec_map,
	.end = exec_end,
};
