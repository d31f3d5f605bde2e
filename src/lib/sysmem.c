/* sysmem.c - physical memory and cgroup limits, read from /proc and /sys. */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sysmem.h"

#define MIN_BUDGET (64ULL << 20)

static uint64_t physical(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);

	if (pages <= 0 || size <= 0)
		return 0;
	return (uint64_t)pages * (uint64_t)size;
}

/* A number from a one-line file; 0 for "max", a missing file or junk. */
static uint64_t read_limit(const char *path)
{
	FILE *fp = fopen(path, "r");
	unsigned long long v = 0;

	if (fp == NULL)
		return 0;
	if (fscanf(fp, "%llu", &v) != 1)
		v = 0;
	fclose(fp);
	return (uint64_t)v;
}

/* The limit of the cgroup this process is in (v2, then v1), or 0. */
static uint64_t cgroup_limit(void)
{
	char line[4096], path[4200];
	FILE *fp = fopen("/proc/self/cgroup", "r");
	uint64_t limit = 0;

	while (fp != NULL && limit == 0 && fgets(line, sizeof line, fp) != NULL) {
		char *rel = strrchr(line, ':');

		if (rel == NULL)
			continue;
		rel[strcspn(rel, "\n")] = '\0';
		if (strncmp(line, "0::", 3) == 0) {
			snprintf(path, sizeof path, "/sys/fs/cgroup%s/memory.max", rel + 1);
			limit = read_limit(path);
		} else if (strstr(line, ":memory:") != NULL) {
			snprintf(path, sizeof path, "/sys/fs/cgroup/memory%s/memory.limit_in_bytes", rel + 1);
			limit = read_limit(path);
		}
	}
	if (fp != NULL)
		fclose(fp);
	if (limit == 0)
		limit = read_limit("/sys/fs/cgroup/memory.max");
	return limit;
}

uint64_t sysmem_default_budget(void)
{
	uint64_t ram = physical(), cg = cgroup_limit(), m = ram;

	if (cg > 0 && (m == 0 || cg < m))
		m = cg;
	m /= 2;
	return m < MIN_BUDGET ? MIN_BUDGET : m;
}
