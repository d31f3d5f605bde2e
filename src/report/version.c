/* version.c - --version: forkpipe's version, the libraries it was built
 * with and those it found at run time, and the byte kernels chosen.
 *
 * A bug report then says which PCRE2, zlib, zstd and libyaml ran (a
 * shared library can differ from the headers it was built with), and
 * whether the regex JIT and the AVX2 kernels were in use, as rg
 * --version and curl --version do. */
#include "autoconfig.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <isa-l.h>
#include <pcre2.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>
#include <zlib.h>
#include <zstd.h>

#include "scan.h"
#include "version.h"

#define STR_(x) #x
#define STR(x) STR_(x)

/* Whether PCRE2 has a JIT and it can compile here: a system that forbids
 * executable memory makes every pattern fall back to the interpreter. */
static const char *pcre2_jit_state(void)
{
	uint32_t has = 0;
	int code;
	PCRE2_SIZE off;
	pcre2_code *re;
	bool works;

	if (pcre2_config(PCRE2_CONFIG_JIT, &has) < 0 || !has)
		return "JIT not built in";
	re = pcre2_compile((PCRE2_SPTR)"a+b", PCRE2_ZERO_TERMINATED, 0, &code, &off, NULL);
	if (re == NULL)
		return "JIT unknown";
	works = pcre2_jit_compile(re, PCRE2_JIT_COMPLETE) == 0;
	pcre2_code_free(re);
	return works ? "JIT on" : "JIT off: it cannot compile here";
}

/* PCRE2's version is "10.42 2022-12-11": the number is the first word. */
static void pcre2_line(FILE *fp)
{
	char v[64] = "";

	if (pcre2_config(PCRE2_CONFIG_VERSION, v) > 0)
		v[strcspn(v, " ")] = '\0';
	fprintf(fp, "PCRE2 %d.%02d (run time %s, %s)\n", PCRE2_MAJOR, PCRE2_MINOR, v,
	    pcre2_jit_state());
}

void version_print(FILE *fp)
{
	fprintf(fp, "forkpipe %s\n", PACKAGE_VERSION);
	pcre2_line(fp);
	fprintf(fp, "zlib %s (run time %s)\n", ZLIB_VERSION, zlibVersion());
	fprintf(fp, "libzstd %s (run time %s)\n", ZSTD_VERSION_STRING, ZSTD_versionString());
	fprintf(fp, "libyaml %s (run time %s)\n", YAML_BUILT_VERSION, yaml_get_version_string());
	/* ISA-L states its version in its header only. */
	fprintf(fp, "ISA-L %d.%d.%d (no run-time version)\n", ISAL_MAJOR_VERSION,
	    ISAL_MINOR_VERSION, ISAL_PATCH_VERSION);
	fprintf(fp, "byte kernels: %s\n", scan_kernels());
}
