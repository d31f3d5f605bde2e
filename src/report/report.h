/* report.h - --stats-json and --stats-interval: the run report, as JSON,
 * for machines (cron monitoring, dashboards).
 *
 * The report is armed as soon as the command line is read, so that
 * every failure from then on, a usage error found while planning as
 * well as a run stopped by a signal, still writes a final object with
 * its exit status and message.  Its figures come from the stats the
 * supervisor attaches; before that, they are zero.
 *
 * Without --stats-interval, FILE gets one JSON object, written to a
 * temporary file beside it and renamed into place at the end, so FILE
 * always holds a whole report: the last run's, or this one's.  With
 * --stats-interval it is a JSON-lines file, replaced when the run
 * starts: one "interval" object a line while the run goes on, appended
 * with a single write(2) each so that a reader never sees half a line,
 * and last the "final" object.  "-" is standard error, and so is the
 * destination of --stats-interval without --stats-json. */
#ifndef FORKPIPE_REPORT_H
#define FORKPIPE_REPORT_H

#include <stdbool.h>

#include "buf.h"
#include "job.h"
#include "stats.h"

/* Arm the report from the command line alone, before the -c file is
 * read, so that a file that cannot be loaded is reported too; the
 * destination is opened by report_open, or by a failure before it. */
void report_early(const char *path);
/* Unarm: a failure from now on writes no report. */
void report_disarm(void);
/* While on, a failure writes the report only over a missing file or an
 * earlier report: a configuration that fails to load may not have said
 * yet which files are inputs. */
void report_careful(bool on);
/* Open the destination the job names, if any (exit 73 when it cannot be
 * created), and arm the report for fatal errors. */
void report_open(const struct job *job);
/* The run's figures from now on (NULL: none). */
void report_attach(struct stats *s);
/* Whether the report goes to standard error (a progress bar must be
 * erased before a line is written there). */
bool report_to_stderr(void);
/* When the next interval line is due (monotonic seconds), or 0. */
double report_deadline(void);
/* Append an interval line with the attached figures. */
void report_interval(void);
/*
 * The final object, with the exit status and the error message (NULL
 * when the run succeeded); the report is then disarmed.  0, or -1 with
 * *err when it could not be written.  Does nothing when no report was
 * asked for.
 */
int report_end(int code, const char *error, char **err);

/* The JSON text of the figures (exposed for the unit tests). */
void report_render(struct buf *b, const struct stats *s, bool final, int code, const char *error);

#endif
