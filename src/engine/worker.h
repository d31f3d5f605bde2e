/* worker.h - the worker loop: task -> stages -> framed result. */
#ifndef FORKPIPE_WORKER_H
#define FORKPIPE_WORKER_H

#include <signal.h>

#include "chunker.h"
#include "job.h"

struct worker_env {
	const struct job *job;
	struct chunker *chunker;	/* the inputs; each worker opens its own */
	int out_fd;		/* placed output: workers pwrite, or -1 */
	const char *out_name;
	bool meter;		/* measure each chunk and send FRAME_STATS */
	bool lasting;		/* the reducer's partial lives across chunks
				 * (worker_table.c) */
	volatile sig_atomic_t *groups;	/* shared with the supervisor: EXEC_GROUPS_MAX
				 * per worker, the process groups of the commands
				 * it runs (exec), or NULL */
};

/*
 * Serve tasks from task_fd until it reaches EOF, then exit.  Never
 * returns.  Runs in a forked child: it ends with _exit() so that no
 * stdio buffer or atexit handler of the supervisor runs twice.
 */
void worker_main(int id, int task_fd, int result_fd, void *env);

#endif
