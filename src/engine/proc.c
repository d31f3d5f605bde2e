/* proc.c - mechanism: the worker table, spawning, the set-up of every
 * child, reaping, signal flags. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>	/* PR_SET_PDEATHSIG, PR_SET_NAME */
#include <sys/time.h>	/* setitimer */
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proc.h"
#include "util.h"

#define PIPE_SIZE (1 << 20)

static volatile sig_atomic_t quit_signal;
static sigset_t poll_mask;

static void on_quit(int sig)
{
	if (quit_signal == 0)
		quit_signal = sig;
}

static void on_chld(int sig)
{
	(void)sig;	/* only wakes ppoll; reaping is done in the loop */
}

void proc_signals_init(void)
{
	static const int quit[] = { SIGINT, SIGTERM, SIGHUP, SIGALRM };
	struct sigaction sa;
	sigset_t block;

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sigemptyset(&block);
	sa.sa_handler = on_quit;
	for (size_t i = 0; i < sizeof quit / sizeof quit[0]; i++) {
		sigaction(quit[i], &sa, NULL);
		sigaddset(&block, quit[i]);
	}
	sa.sa_handler = on_chld;
	sigaction(SIGCHLD, &sa, NULL);
	sigaddset(&block, SIGCHLD);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	/* Signals arrive only inside ppoll, so no flag is ever missed
	 * between checking it and going to sleep. */
	sigprocmask(SIG_BLOCK, &block, &poll_mask);
	for (size_t i = 0; i < sizeof quit / sizeof quit[0]; i++)
		sigdelset(&poll_mask, quit[i]);
	sigdelset(&poll_mask, SIGCHLD);
}

const sigset_t *proc_poll_mask(void)
{
	return &poll_mask;
}

int proc_quit_signal(void)
{
	return quit_signal;
}

void proc_alarm(double secs)
{
	struct itimerval it = { { 0, 0 }, { (time_t)secs, (suseconds_t)((secs - (double)(time_t)secs) * 1e6) } };

	if (it.it_value.tv_sec == 0 && it.it_value.tv_usec == 0)
		it.it_value.tv_usec = 1;
	setitimer(ITIMER_REAL, &it, NULL);
}

void proc_signals_unblock(void)
{
	sigprocmask(SIG_SETMASK, &poll_mask, NULL);
}

static void set_pipe_size(int fd)
{
	/* Larger pipes carry 2-3x more per wake-up; failure only costs speed. */
	(void)fcntl(fd, F_SETPIPE_SZ, PIPE_SIZE);
}

static void set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl >= 0)
		(void)fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static volatile pid_t supervisor_pid;

/*
 * A death signal of SIGCONT, because it is the one signal besides
 * SIGKILL that reaches a stopped process (SIGSTOP, Ctrl-Z): it resumes
 * the child, and this handler ends it, whatever it was doing.  SIGKILL
 * would do that too but leave a worker no chance to stop the commands of
 * an exec stage; SIGTERM (their handler) waits for a SIGCONT that never
 * comes in a stopped worker.  A SIGCONT while the supervisor lives is job
 * control (fg, bg) and changes nothing.
 */
static void on_parent_death(int sig)
{
	sigset_t term;

	(void)sig;
	if (getppid() == supervisor_pid)
		return;
	/* SIGTERM runs the exec stage's handler if there is one, else
	 * ends the process; SIGKILL if neither happened. */
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_UNBLOCK, &term, NULL);
	raise(SIGTERM);
	raise(SIGKILL);
}

/* Close every descriptor but those in keep (ascending). */
static void close_others(const int *keep, int n)
{
	unsigned int from = 0;

	for (int i = 0; i <= n; i++) {
		unsigned int to = i < n ? (unsigned int)keep[i] : ~0U;

		if (to > from && close_range(from, to - 1, 0) < 0) {
			/* Kernels before 5.9: one at a time. */
			long max = sysconf(_SC_OPEN_MAX);

			for (long fd = from; fd < (long)to && fd < (max > 0 ? max : 1024); fd++)
				close((int)fd);
		}
		from = to + 1;
	}
}

/* Sort the n descriptors at a and drop duplicates; returns how many. */
static int sort_unique(int *a, int n)
{
	int m = 0;

	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && a[j] < a[j - 1]; j--) {
			int t = a[j];

			a[j] = a[j - 1];
			a[j - 1] = t;
		}
	for (int i = 0; i < n; i++)
		if (m == 0 || a[i] != a[m - 1])
			a[m++] = a[i];
	return m;
}

static void set_handler(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = fn;
	sa.sa_flags = flags;
	sigaction(sig, &sa, NULL);
}

void proc_child_init(pid_t parent, const struct proc_child *c)
{
	sigset_t none;

	/* The supervisor's handlers only set its own flags. */
	set_handler(SIGTERM, SIG_DFL, 0);
	set_handler(SIGCHLD, SIG_DFL, 0);
	set_handler(SIGALRM, SIG_DFL, 0);
	set_handler(SIGPIPE, c->sigpipe_kills ? SIG_DFL : SIG_IGN, 0);
	/* Ctrl-C (and a hang-up) reaches the whole process group; the
	 * supervisor decides how its children stop, so they ignore it. */
	set_handler(SIGINT, SIG_IGN, 0);
	set_handler(SIGHUP, SIG_IGN, 0);
	supervisor_pid = parent;
	/* SA_RESTART: a SIGCONT of job control must not fail a read. */
	if (c->death_signal == SIGCONT)
		set_handler(SIGCONT, on_parent_death, SA_RESTART);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	fatal_in_child();
	prctl(PR_SET_PDEATHSIG, c->death_signal);
	if (c->name != NULL)
		prctl(PR_SET_NAME, c->name);
	if (getppid() != parent)
		_exit(EXIT_SOFTWARE);	/* the parent died before prctl */
	if (c->nkeep > 0) {
		int keep[PROC_KEEP_MAX];
		int n = c->nkeep < PROC_KEEP_MAX ? c->nkeep : PROC_KEEP_MAX;

		memcpy(keep, c->keep, (size_t)n * sizeof *keep);
		close_others(keep, sort_unique(keep, n));
	}
}

/*
 * A worker: SIGCONT as its death signal (see on_parent_death()), so that
 * a stopped one ends too and stops its exec commands first.  SIGPIPE
 * kills it: a result pipe with no reader means the supervisor is gone
 * or done with it, and there is nothing left to do (exec ignores SIGPIPE
 * itself while it feeds a command).  Its name tells it from the
 * supervisor (ps, pgrep -x forkpipe-worker).  It keeps the descriptors
 * it inherits (inputs, the output it writes in place, the lock): only
 * the other workers' pipes are closed, by proc_spawn().
 */
static const struct proc_child worker_child = { SIGCONT, true, "forkpipe-worker", NULL, 0 };

int proc_pipes(int a[2], int b[2], char **err)
{
	if (pipe2(a, O_CLOEXEC) < 0) {
		*err = xasprintf("pipe() failed: %s", strerror(errno));
		return -1;
	}
	if (pipe2(b, O_CLOEXEC) < 0) {
		*err = xasprintf("pipe() failed: %s", strerror(errno));
		close(a[0]);
		close(a[1]);
		return -1;
	}
	return 0;
}

int proc_spawn(struct proc *procs, int nprocs, int id, proc_main_fn fn, void *arg, char **err)
{
	int task[2], result[2];
	struct proc *p = &procs[id];
	pid_t parent = getpid();

	if (proc_pipes(task, result, err) < 0)
		return -1;
	set_pipe_size(task[1]);
	set_pipe_size(result[1]);
	fflush(NULL);
	pid_t pid = fork();

	if (pid < 0) {
		*err = xasprintf("fork() failed: %s", strerror(errno));
		close(task[0]);
		close(task[1]);
		close(result[0]);
		close(result[1]);
		return -1;
	}
	if (pid == 0) {
		proc_child_init(parent, &worker_child);
		for (int i = 0; i < nprocs; i++)
			if (i != id && procs[i].pid != 0)
				proc_close(&procs[i]);
		close(task[1]);
		close(result[0]);
		fn(id, task[0], result[1], arg);
		_exit(EXIT_SOFTWARE);
	}
	close(task[0]);
	close(result[1]);
	set_nonblock(task[1]);
	set_nonblock(result[0]);
	p->id = id;
	p->pid = pid;
	p->task_fd = task[1];
	p->result_fd = result[0];
	p->status = 0;
	memset(&p->usage, 0, sizeof p->usage);
	return 0;
}

char proc_state(pid_t pid)
{
	char path[32], line[512];
	ssize_t n;
	int fd;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return '?';
	n = read(fd, line, sizeof line - 1);
	close(fd);
	if (n <= 0)
		return '?';
	line[n] = '\0';
	/* "pid (name) S ...": the name may hold spaces and parentheses,
	 * so the state follows the last ')'. */
	char *end = strrchr(line, ')');

	return end != NULL && end[1] == ' ' && end[2] != '\0' ? end[2] : '?';
}

void proc_close(struct proc *p)
{
	if (p->task_fd >= 0)
		close(p->task_fd);
	if (p->result_fd >= 0)
		close(p->result_fd);
	p->task_fd = p->result_fd = -1;
}

void proc_kill_all(struct proc *procs, int nprocs, int sig)
{
	for (int i = 0; i < nprocs; i++)
		if (procs[i].pid > 0)
			kill(procs[i].pid, sig);
}

static bool reap_one(struct proc *procs, int nprocs, int options)
{
	int status;
	struct rusage ru;
	pid_t pid = wait4(-1, &status, options, &ru);

	if (pid <= 0)
		return false;
	for (int i = 0; i < nprocs; i++) {
		if (procs[i].pid == pid) {
			procs[i].pid = 0;
			procs[i].status = status;
			procs[i].usage = ru;
		}
	}
	return true;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int live(const struct proc *procs, int nprocs)
{
	int n = 0;

	for (int i = 0; i < nprocs; i++)
		n += procs[i].pid > 0;
	return n;
}

/* Sleep until a child changes state or ms pass; SIGCHLD is blocked
 * outside ppoll, so it is collected here rather than lost. */
static void wait_chld(int ms)
{
	sigset_t chld;
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	(void)sigtimedwait(&chld, NULL, &ts);
}

void proc_reap(struct proc *procs, int nprocs, bool block, int grace_ms)
{
	double deadline = now_ms() + grace_ms;

	while (reap_one(procs, nprocs, WNOHANG))
		;
	if (!block)
		return;
	while (live(procs, nprocs) > 0) {
		if (reap_one(procs, nprocs, WNOHANG))
			continue;
		double left = deadline - now_ms();

		if (left <= 0) {
			proc_kill_all(procs, nprocs, SIGKILL);
			while (live(procs, nprocs) > 0 && reap_one(procs, nprocs, 0))
				;
			break;
		}
		wait_chld(left > 50 ? 50 : (int)left + 1);
	}
}
