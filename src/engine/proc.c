/* proc.c - mechanism: the worker table, spawning, reaping, signal flags. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>	/* PR_SET_PDEATHSIG: workers die with the supervisor */
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
 * The death signal.  SIGCONT, because it is the one signal besides
 * SIGKILL that reaches a stopped process (SIGSTOP, Ctrl-Z): it resumes
 * the worker, and this handler ends it, whatever it was doing.  SIGKILL
 * would do that too but leave no chance to stop the commands of an exec
 * stage; SIGTERM (their handler) waits for a SIGCONT that never comes in
 * a stopped worker.  A SIGCONT while the supervisor lives is job control
 * (fg, bg) and changes nothing.
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

/* In the child: a clean signal state, and death with the parent. */
static void child_init(pid_t parent)
{
	struct sigaction sa;
	sigset_t none;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	/* Ctrl-C reaches the whole process group; the supervisor decides
	 * how workers stop, so they ignore it. */
	sa.sa_handler = SIG_IGN;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGALRM, &sa, NULL);
	supervisor_pid = parent;
	/* SA_RESTART: a SIGCONT of job control must not fail a read. */
	sa.sa_handler = on_parent_death;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGCONT, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	fatal_in_child();
	prctl(PR_SET_PDEATHSIG, SIGCONT);
	prctl(PR_SET_NAME, "forkpipe-worker");
	if (getppid() != parent)
		_exit(EXIT_SOFTWARE);	/* the parent died before prctl */
}

int proc_spawn(struct proc *procs, int nprocs, int id, proc_main_fn fn, void *arg, char **err)
{
	int task[2], result[2];
	struct proc *p = &procs[id];
	pid_t parent = getpid();

	if (pipe2(task, O_CLOEXEC) < 0) {
		*err = xasprintf("pipe() failed: %s", strerror(errno));
		return -1;
	}
	if (pipe2(result, O_CLOEXEC) < 0) {
		*err = xasprintf("pipe() failed: %s", strerror(errno));
		close(task[0]);
		close(task[1]);
		return -1;
	}
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
		child_init(parent);
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
