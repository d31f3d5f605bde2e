/* exec.c - the exec stage: run a command on each chunk.
 *
 * The records a chunk brings to the stage are written to the standard
 * input of `SHELL -c CMD`, started by the worker for that chunk, and what
 * the command writes on its standard output is the stage's output for
 * the chunk, in chunk order like any stage's.  Writing and reading go on
 * together (poll), so a command that writes more than a pipe holds before
 * it has read all its input cannot deadlock; output is passed on as it
 * comes, cut at the last whole record, so memory stays within about two
 * blocks.  At the chunk's end (the end callback) standard input is
 * closed, the rest of the output read, and the command's exit status
 * checked: anything but 0 fails the run (exit 70) naming the command,
 * its status and the chunk.  A command that stops reading early (head -1)
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
#include <sys/wait.h>
#include <unistd.h>

#include "proc.h"
#include "record.h"
#include "stage.h"
#include "util.h"

#define READ_PIECE (256 * 1024)
#define PIPE_SIZE (1 << 20)

struct exec {
	const char *cmd;
	const char *shell;
	pid_t pid;		/* the running command, or 0 */
	int in, out;		/* its standard input and output, or -1 */
	bool eof;		/* its output has ended */
	struct buf buf;		/* output read, not yet passed on */
	size_t given;		/* bytes of buf passed on by the last call */
	uint64_t seq;		/* the chunk, for the environment */
};

/*
 * Each command runs in a process group of its own, so that when it must
 * stop every process of it goes, the shell's children too: in a worker,
 * when the worker is stopped (SIGTERM: --chunk-timeout, the end of the
 * run, the supervisor's death); in the merger, on a signal.  The
 * handler may only use what is safe in a signal handler: the groups are
 * kept in a plain array.
 */
#define RUNNING_MAX 64
static volatile sig_atomic_t running[RUNNING_MAX];

static void stop_commands(int sig)
{
	for (int i = 0; i < RUNNING_MAX; i++)
		if (running[i] > 0)
			kill(-(pid_t)running[i], SIGKILL);
	_exit(128 + sig);
}

void exec_isolate_commands(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = stop_commands;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
}

static void track(pid_t pid, pid_t was)
{
	for (int i = 0; i < RUNNING_MAX; i++) {
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

static void exec_teardown(struct stage *st)
{
	struct exec *x = st->priv;

	if (x == NULL)
		return;
	close_fd(&x->in);
	close_fd(&x->out);
	if (x->pid > 0) {
		kill(-x->pid, SIGKILL);
		waitpid(x->pid, NULL, 0);
		track(0, x->pid);
	}
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

static int start(struct stage *st, const struct block *b, char **err)
{
	struct exec *x = st->priv;
	int in[2], out[2];
	struct sigaction sa;

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
	close(in[0]);
	close(out[1]);
	x->in = in[1];
	x->out = out[0];
	fcntl(x->in, F_SETFL, O_NONBLOCK);
	fcntl(x->out, F_SETFL, O_NONBLOCK);
	x->eof = false;
	x->buf.len = x->given = 0;
	return 0;
}

/* Read what the command has written; false at its end of output. */
static int drain(struct exec *x, char **err)
{
	for (;;) {
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
}

/* A signal ended the run while the command runs (in the merger, after a
 * reducer, signals come in while it waits): the command goes too. */
static bool interrupted(struct exec *x, char **err)
{
	if (proc_quit_signal() == 0)
		return false;
	kill(-x->pid, SIGKILL);
	while (waitpid(x->pid, NULL, 0) < 0 && errno == EINTR)
		;
	track(0, x->pid);
	x->pid = 0;
	*err = xstrdup("exec: interrupted");
	return true;
}

/* Write data to the command while reading its output, until all of it
 * is written or the command stops reading. */
static int pump(struct exec *x, const char *data, size_t len, char **err)
{
	while (len > 0 && x->in >= 0) {
		struct pollfd p[2] = { { x->in, POLLOUT, 0 }, { x->out, POLLIN, 0 } };

		if (poll(p, x->eof ? 1 : 2, -1) < 0) {
			if (errno == EINTR && interrupted(x, err))
				return -1;
			if (errno == EINTR)
				continue;
			*err = xasprintf("exec: poll: %s", strerror(errno));
			return -1;
		}
		if (!x->eof && p[1].revents != 0 && drain(x, err) < 0)
			return -1;
		if (p[0].revents == 0)
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

/* Hand the whole records read so far to b; the bytes given last time
 * are dropped first (the next stages are done with them). */
static void give(struct stage *st, struct block *b, bool all)
{
	struct exec *x = st->priv;
	size_t n;

	if (x->given > 0) {
		memmove(x->buf.data, x->buf.data + x->given, x->buf.len - x->given);
		x->buf.len -= x->given;
	}
	n = x->buf.len;
	if (!all) {
		const char *none;
		size_t at;

		n = records_last_end(st->fmt, st->term, x->buf.data, x->buf.len, &none, &at);
	} else if (n > 0 && x->buf.data[n - 1] != st->term) {
		buf_putc(&x->buf, st->term);	/* the last record, terminated */
		n++;
	}
	x->given = n;
	b->data = x->buf.data;
	b->len = n;
	b->nrec = NREC_UNKNOWN;
	b->offset = OFFSET_UNKNOWN;
}

static int exec_map(struct stage *st, struct block *b, char **err)
{
	struct exec *x = st->priv;

	if (x->pid == 0 && start(st, b, err) < 0)
		return -1;
	if (pump(x, b->data, b->len, err) < 0)
		return -1;
	give(st, b, false);
	return 0;
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

/* The chunk's end: close the command's input, take the rest of its
 * output, and its exit status. */
static int exec_end(struct stage *st, struct block *b, char **err)
{
	struct exec *x = st->priv;
	int status = 0;

	/* A chunk none of whose records came this far still runs the
	 * command, on no input, as a serial run over it would (wc -l: 0). */
	b->len = 0;
	if (x->pid == 0 && start(st, b, err) < 0)
		return -1;
	close_fd(&x->in);
	while (!x->eof) {
		struct pollfd p = { x->out, POLLIN, 0 };

		if (poll(&p, 1, -1) < 0) {
			if (errno == EINTR && interrupted(x, err))
				return -1;
			if (errno == EINTR)
				continue;
			*err = xasprintf("exec: poll: %s", strerror(errno));
			return -1;
		}
		if (drain(x, err) < 0)
			return -1;
	}
	while (waitpid(x->pid, &status, 0) < 0 && errno == EINTR)
		;
	track(0, x->pid);
	x->pid = 0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		*err = describe(x, status);
		return EXIT_SOFTWARE;
	}
	give(st, b, true);
	return 0;
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
		"error.  Its last output record gets a terminator if it lacks one.  After a "
		"reducer the command runs once, in the merger, over the whole result.",
	.kind = STAGE_MAP,
	.opts = exec_opts,
	.args = exec_args,
	.setup = exec_setup,
	.teardown = exec_teardown,
	.map = exec_map,
	.end = exec_end,
};
