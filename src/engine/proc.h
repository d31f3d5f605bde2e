/* proc.h - mechanism: the worker table, spawning, the set-up of every
 * child (workers, the decompressor), reaping, signal flags.  The policy
 * (what to do when) lives in supervisor.c. */
#ifndef FORKPIPE_PROC_H
#define FORKPIPE_PROC_H

#include <signal.h>
#include <stdbool.h>
#include <sys/resource.h>
#include <sys/types.h>

struct proc {
	int id;
	pid_t pid;		/* 0 when the slot is empty */
	int task_fd;		/* supervisor writes tasks here (non-blocking) */
	int result_fd;		/* supervisor reads results here (non-blocking) */
	int status;		/* wait status once reaped */
	struct rusage usage;	/* resource use once reaped */
};

/* What a child runs; it must not return. */
typedef void (*proc_main_fn)(int id, int task_fd, int result_fd, void *arg);

/*
 * Block the signals the supervisor handles and install flag-setting
 * handlers; ignore SIGPIPE so a closed output is an EPIPE error.
 */
void proc_signals_init(void);
/* The mask to hand ppoll(): everything the supervisor handles unblocked. */
const sigset_t *proc_poll_mask(void);
/* The terminating signal received, or 0: SIGALRM is --timeout's. */
int proc_quit_signal(void);
/* SIGALRM in secs seconds (--timeout). */
void proc_alarm(double secs);
/* Let the handled signals in outside ppoll too (the end of a run, which
 * checks proc_quit_signal as it writes). */
void proc_signals_unblock(void);

/* How a child of the supervisor (a worker, the decompressor) starts. */
struct proc_child {
	int death_signal;	/* PR_SET_PDEATHSIG: SIGCONT (with a handler
				 * that ends the child) or SIGKILL */
	bool sigpipe_kills;	/* SIGPIPE's default, or ignored (EPIPE) */
	const char *name;	/* PR_SET_NAME, or NULL: the supervisor's */
	const int *keep;	/* with nkeep > 0: every other descriptor */
	int nkeep;		/* is closed (at most PROC_KEEP_MAX) */
};

#define PROC_KEEP_MAX 8

/*
 * In a child just forked by parent: default handlers for those the
 * supervisor installs, SIGINT and SIGHUP ignored (the supervisor decides
 * how its children stop), no signal blocked, fatal_in_child(), the death
 * signal, and _exit() at once if the parent is already gone; then c's
 * differences.
 */
void proc_child_init(pid_t parent, const struct proc_child *c);

/* The two pipes between the supervisor and a child (close-on-exec): 0,
 * or -1 with *err and neither left open. */
int proc_pipes(int a[2], int b[2], char **err);

/*
 * Fork worker procs[id] running fn.  The child dies with its parent and
 * closes the pipes of the other workers in the table.  0, or -1 with *err.
 */
int proc_spawn(struct proc *procs, int nprocs, int id, proc_main_fn fn, void *arg, char **err);

/* The process state letter of /proc/PID/stat (R, S, D, T for stopped,
 * t for traced...), or '?' when it cannot be read. */
char proc_state(pid_t pid);

/* Close the supervisor's ends of one worker's pipes. */
void proc_close(struct proc *p);
/* Send sig to every live worker. */
void proc_kill_all(struct proc *procs, int nprocs, int sig);
/*
 * Reap children: with block, wait for all of them (escalating to SIGKILL
 * after grace_ms); without, collect only those already dead.
 */
void proc_reap(struct proc *procs, int nprocs, bool block, int grace_ms);

#endif
