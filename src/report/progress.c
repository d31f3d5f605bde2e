/* progress.c - --progress: the bar on standard error. */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "progress.h"
#include "util.h"

#define PROGRESS_EVERY 0.25	/* seconds between redraws */
#define BAR 20

void progress_init(struct progress *p, enum progress_mode mode, uint64_t total)
{
	memset(p, 0, sizeof *p);
	/* Output to the same terminal is kept apart by progress_around. */
	p->on = mode == PROGRESS_ALWAYS || (mode == PROGRESS_AUTO && isatty(STDERR_FILENO));
	p->total = total;
	p->start = clock_now();
	p->drawn = p->start - PROGRESS_EVERY;	/* the first chunk draws it */
}

/* n with a prefix, powers of 1000: bytes as "123.4 MB" (unit " B"),
 * records as "1.2M" (unit ""). */
static void human(char *out, size_t cap, double n, const char *unit)
{
	static const char *const prefix[] = { "", "k", "M", "G", "T", "P" };
	const char *sp = unit[0] == ' ' ? " " : "";
	int u = 0;

	while (n >= 1000 && u < 5) {
		n /= 1000;
		u++;
	}
	snprintf(out, cap, u == 0 ? "%.0f%s%s%s" : "%.1f%s%s%s", n, sp, prefix[u],
	    unit + (sp[0] != '\0'));
}

static void draw(struct progress *p, double now)
{
	char line[200], done[16], total[16], rate[16], recs[16], rrate[16], bar[BAR + 1];
	double secs = now - p->start, r = secs > 0 ? (double)p->done / secs : 0;
	int n;

	human(done, sizeof done, (double)p->done, " B");
	human(rate, sizeof rate, r, " B");
	human(recs, sizeof recs, (double)p->records, "");
	human(rrate, sizeof rrate, secs > 0 ? (double)p->records / secs : 0, "");
	if (p->total > 0) {
		double f = p->done >= p->total ? 1 : (double)p->done / (double)p->total;
		int fill = (int)(f * BAR);
		double left = r > 0 ? (double)(p->total - (p->done < p->total ? p->done : p->total)) / r : 0;

		memset(bar, '#', (size_t)fill);
		memset(bar + fill, '.', (size_t)(BAR - fill));
		bar[BAR] = '\0';
		human(total, sizeof total, (double)p->total, " B");
		n = snprintf(line, sizeof line, "\r[%s] %3.0f%% %s / %s  %s/s  %s records  %s rec/s  "
		    "ETA %d:%02d", bar, f * 100, done, total, rate, recs, rrate, (int)left / 60,
		    (int)left % 60);
	} else {
		n = snprintf(line, sizeof line, "\r%s  %s/s  %s records  %s rec/s  %d:%02d", done, rate,
		    recs, rrate, (int)secs / 60, (int)secs % 60);
	}
	if (n < 0 || n >= (int)sizeof line)
		return;
	/* Pad over the end of a longer line drawn before. */
	while (n < p->width + 1 && n < (int)sizeof line - 1)
		line[n++] = ' ';
	(void)write_all(STDERR_FILENO, line, (size_t)n);
	p->width = n - 1;
	p->drawn = now;
}

void progress_add(struct progress *p, uint64_t n)
{
	double now;

	p->done += n;
	if (!p->on)
		return;
	now = clock_now();
	if (now - p->drawn >= PROGRESS_EVERY && !p->mid_line)
		draw(p, now);
}

void progress_records(struct progress *p, uint64_t n)
{
	p->records += n;
}

void progress_end(struct progress *p)
{
	if (!p->on || p->width == 0)
		return;
	(void)write_all(STDERR_FILENO, "\r\033[K", 4);
	p->width = 0;
}

/* As pv and cargo do: the bar leaves the line before output is written
 * to its terminal and comes back below the output after, so the two
 * never share a line. */
void progress_around(void *arg, bool before, bool line_end)
{
	struct progress *p = arg;

	if (before) {
		p->hidden = p->hidden || p->width > 0;
		progress_end(p);
		return;
	}
	/* Drawn after half a line, the bar would wipe it out. */
	p->mid_line = !line_end;
	if (p->hidden && !p->mid_line) {
		p->hidden = false;
		draw(p, clock_now());
	}
}
