/*
 * genlog - write a deterministic synthetic web access log for benchmarks.
 *
 *   genlog [-s SEED] [-n] SIZE > access.log
 *
 * SIZE is a byte count with an optional K, M, G or T suffix (powers of
 * 1024; "1.5G" works too).  The output is exactly SIZE bytes of complete
 * lines in Apache "combined" format, about 200 bytes a line, with
 * timestamps that only ever increase.  The same SEED and SIZE always give
 * the same bytes.  With -n, genlog prints the byte count SIZE stands for
 * and exits (the benchmark script uses it to validate a cached log).
 *
 * The mix is tuned for the benchmark patterns:
 *   - 34.0% of lines match the regex  GET /[a-z]+/[0-9]+ HTTP
 *     (and no other line does: other GET paths carry a dot, a query
 *     string, a deeper path or a non-letter segment);
 *   - 4.5% of lines have status 404, and " 404 " occurs nowhere else
 *     (a response size of 404 is bumped to 405);
 *   - a few 5xx, 403, 3xx statuses, referrers and user agents.
 *
 * With -j (or --json) each line is the same request as one JSON object
 * instead, nested ({"req":{"method":..,"path":..}}), with escapes (\/,
 * \", \u00e9, a surrogate pair), raw UTF-8 and numbers in every form
 * (integers, 20-digit ids, fractions, exponents, -0); whole lines only,
 * so the output is SIZE bytes or a line less.
 *
 * No dependencies beyond libc; the PRNG (splitmix64), the SIZE operand
 * and the options -s, -n, -h come from genutil.h, shared with gencsv.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "genutil.h"

#define OUTBUF_SIZE (4u << 20) /* one fwrite per 4 MiB */
#define LINE_MAX_LEN 1024      /* generous bound on one line */
#define DEFAULT_SEED UINT64_C(0x5eed0f0f1e5ca1ab)

/* ---- probabilities ------------------------------------------------------ */

/* Probabilities are expressed in parts per million. */
static uint32_t ppm(void)
{
	return below(1000000);
}

/* ---- vocabulary ------------------------------------------------------- */

/* Lower-case words: "/word/123" is the shape the benchmark regex wants. */
static const char *const sections[] = {
	"products", "item", "article", "user", "order", "post", "category",
	"video", "news", "ticket", "invoice", "review", "profile", "story",
	"album", "track", "event", "listing", "recipe", "question",
};

/* GET paths that never match the regex. */
static const char *const static_paths[] = {
	"/", "/index.html", "/favicon.ico", "/robots.txt", "/sitemap.xml",
	"/static/js/app.3f9a2c.js", "/static/js/vendor.81b7e0.js",
	"/static/css/main.c41d9e.css", "/static/fonts/inter-var.woff2",
	"/images/logo.png", "/images/hero-banner.jpg", "/images/icons/cart.svg",
	"/about", "/contact", "/help/faq", "/login", "/cart", "/checkout",
	"/feed.xml", "/manifest.json", "/wp-login.php", "/.env",
};

static const char *const api_paths[] = {
	"/api/v1/orders", "/api/v1/cart/items", "/api/v2/session",
	"/api/v2/events", "/api/v1/search", "/login", "/logout", "/register",
	"/cart/add", "/checkout/payment", "/newsletter/subscribe",
	"/comments", "/graphql", "/upload",
};

static const char *const words[] = {
	"shoes", "laptop", "coffee", "garden", "camera", "bike", "tent",
	"phone", "desk", "lamp", "guitar", "watch", "jacket", "books",
};

static const char *const slugs[] = {
	"hello-world", "release-notes", "how-we-scaled", "summer-sale",
	"a-guide-to-caching", "year-in-review", "new-features", "outage-report",
};

static const char *const users[] = {
	"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi",
};

static const char *const referrers[] = {
	"https://www.google.com/",
	"https://www.google.com/search?q=buy+shoes+online",
	"https://www.bing.com/search?q=laptop+deals",
	"https://duckduckgo.com/",
	"https://news.ycombinator.com/",
	"https://t.co/x3Kq9ZpL2m",
	"https://www.facebook.com/",
	"https://shop.example.com/",
	"https://shop.example.com/cart",
	"https://shop.example.com/category/42",
	"https://shop.example.com/search?q=camera&page=2",
	"https://blog.example.com/2024/02/summer-sale",
};

static const char *const agents[] = {
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Safari/537.36 Edg/121.0.0.0",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Safari/605.1.15",
	"Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:122.0) Gecko/20100101 Firefox/122.0",
	"Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Mobile/15E148 Safari/604.1",
	"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.6261.64 Mobile Safari/537.36",
	"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
	"Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
	"curl/7.88.1",
	"python-requests/2.31.0",
	"Go-http-client/1.1",
};

/* Appended to the user agent of the last lines to hit SIZE exactly. */
static const char pad_text[] =
	" (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36 Mobile/15E148"
	" Safari/604.1 Version/17.3 AppleWebKit/605.1.15 Gecko/20100101"
	" Firefox/123.0 (compatible; Linux x86_64; rv:123.0) Edg/121.0.0.0"
	" (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36 Mobile/15E148"
	" Safari/604.1 Version/17.3 AppleWebKit/605.1.15 Gecko/20100101";

static const char month_names[12][4] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

/* ---- the clock ---------------------------------------------------------- */

static int64_t clock_ms;     /* milliseconds since the epoch */
static int64_t stamp_sec = -1;
static char stamp[32];       /* "[01/Mar/2024:00:00:00 +0000]" */
static size_t stamp_len;

/* Days since 1970-01-01 to a civil date (H. Hinnant's algorithm). */
static void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t yy = (int64_t)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)(yy + (*m <= 2));
}

static void update_stamp(void)
{
	int64_t sec = clock_ms / 1000;
	if (sec == stamp_sec)
		return;
	stamp_sec = sec;
	int y;
	unsigned mo, d;
	civil_from_days(sec / 86400, &y, &mo, &d);
	unsigned sod = (unsigned)(sec % 86400);
	char *p = stamp;
	*p++ = '[';
	p = put_2(p, d);
	*p++ = '/';
	memcpy(p, month_names[mo - 1], 3);
	p += 3;
	*p++ = '/';
	p = put_u(p, (uint64_t)y);
	*p++ = ':';
	p = put_2(p, sod / 3600);
	*p++ = ':';
	p = put_2(p, sod / 60 % 60);
	*p++ = ':';
	p = put_2(p, sod % 60);
	p = put_str(p, " +0000]");
	stamp_len = (size_t)(p - stamp);
}

/* ---- one line ----------------------------------------------------------- */

/* Per-line probabilities, in ppm of all lines. */
#define P_GET_ID 340000  /* GET /word/123 HTTP/x: the regex matches */
#define P_404 45000      /* status 404 */

/* The request "METHOD PATH HTTP/x.y", never matching the regex unless
 * want_match is set. */
static char *put_request(char *p, int want_match)
{
	const char *method;
	uint32_t r;

	if (want_match) {
		p = put_str(p, "GET /");
		p = put_str(p, PICK(sections));
		*p++ = '/';
		p = put_u(p, 1 + below(ppm() < 700000 ? 99999 : 4999999));
		goto version;
	}
	/* The remaining 66% of lines; shares below are of those. */
	r = ppm();
	if (r < 730000) { /* other GETs, ~48% of all lines */
		method = "GET";
	} else if (r < 900000) {
		method = "POST";
	} else if (r < 960000) {
		method = "HEAD";
	} else if (r < 980000) {
		method = "PUT";
	} else if (r < 992000) {
		method = "DELETE";
	} else if (r < 997000) {
		method = "PATCH";
	} else {
		method = "OPTIONS";
	}
	p = put_str(p, method);
	*p++ = ' ';

	if (method[0] == 'G' || method[0] == 'H') {
		/* Shapes the regex rejects. */
		switch (below(8)) {
		case 0:
		case 1:
		case 2: /* static asset or page with a dot or no number */
			p = put_str(p, PICK(static_paths));
			break;
		case 3: /* id with a query string */
			*p++ = '/';
			p = put_str(p, PICK(sections));
			*p++ = '/';
			p = put_u(p, 1 + below(99999));
			p = put_str(p, below(2) ? "?ref=home" : "?utm_source=newsletter&utm_medium=email");
			break;
		case 4: /* deeper path under an id */
			*p++ = '/';
			p = put_str(p, PICK(sections));
			*p++ = '/';
			p = put_u(p, 1 + below(99999));
			p = put_str(p, below(2) ? "/reviews" : "/images/2");
			break;
		case 5: /* search */
			p = put_str(p, "/search?q=");
			p = put_str(p, PICK(words));
			p = put_str(p, "&page=");
			p = put_u(p, 1 + below(20));
			break;
		case 6: /* versioned API: "v1" is not [0-9]+ */
			p = put_str(p, "/api/v");
			p = put_u(p, 1 + below(2));
			*p++ = '/';
			p = put_str(p, PICK(sections));
			*p++ = '/';
			p = put_u(p, 1 + below(99999));
			break;
		default: /* blog post by date and slug */
			p = put_str(p, "/blog/20");
			p = put_u(p, 18 + below(7));
			*p++ = '/';
			p = put_2(p, 1 + below(12));
			*p++ = '/';
			p = put_str(p, PICK(slugs));
			break;
		}
	} else if (method[0] == 'P' && method[1] == 'O') {
		p = put_str(p, PICK(api_paths));
	} else if (method[0] == 'O') {
		p = put_str(p, below(2) ? "*" : "/api/v1/orders");
	} else { /* PUT, PATCH, DELETE on a resource */
		p = put_str(p, "/api/v1/");
		p = put_str(p, PICK(sections));
		*p++ = '/';
		p = put_u(p, 1 + below(99999));
	}

version:
	r = ppm();
	p = put_str(p, r < 880000 ? " HTTP/1.1" : r < 960000 ? " HTTP/2.0" : " HTTP/1.0");
	return p;
}

/*
 * Write one line into p; returns the end.  If fit is nonzero, the line is
 * made exactly fit bytes long by trimming or padding the user agent (the
 * referrer is "-" to leave room); lines too short to hold even the fixed
 * part are cut, which only happens when SIZE itself is tiny.
 */
static char *put_line(char *p, size_t fit)
{
	char *start = p;
	uint32_t r;

	update_stamp();

	/* Client address: a third of the traffic from a small pool. */
	if (below(3) == 0) {
		p = put_str(p, "10.0.");
		p = put_u(p, below(4));
		*p++ = '.';
		p = put_u(p, 1 + below(250));
	} else {
		p = put_u(p, 1 + below(223));
		*p++ = '.';
		p = put_u(p, below(256));
		*p++ = '.';
		p = put_u(p, below(256));
		*p++ = '.';
		p = put_u(p, 1 + below(254));
	}
	p = put_str(p, " - ");
	if (below(20) == 0)
		p = put_str(p, PICK(users));
	else
		*p++ = '-';
	*p++ = ' ';
	memcpy(p, stamp, stamp_len);
	p += stamp_len;
	p = put_str(p, " \"");

	int match = ppm() < P_GET_ID;
	p = put_request(p, match);
	p = put_str(p, "\" ");

	/* Status, independent of the request so both shares are exact. */
	unsigned status;
	r = ppm();
	if (r < P_404)
		status = 404;
	else if ((r -= P_404) < 6000)
		status = 500;
	else if ((r -= 6000) < 2000)
		status = 503;
	else if ((r -= 2000) < 1000)
		status = 502;
	else if ((r -= 1000) < 8000)
		status = 403;
	else if ((r -= 8000) < 80000)
		status = 304;
	else if ((r -= 80000) < 15000)
		status = 301;
	else if ((r -= 15000) < 20000)
		status = 302;
	else if ((r -= 20000) < 3000)
		status = 206;
	else if ((r -= 3000) < 15000)
		status = 201;
	else
		status = 200;
	p = put_u(p, status);
	*p++ = ' ';

	/* Response size; never 404, so " 404 " marks the status alone. */
	if (status == 304 || (status == 201 && below(2))) {
		*p++ = '-';
	} else {
		uint64_t size;
		if (status >= 300)
			size = 150 + below(400);
		else if (below(4) == 0)
			size = 1 + below(2000);
		else if (below(10) == 0)
			size = 20000 + below(2000000);
		else
			size = 500 + below(60000);
		if (size == 404)
			size = 405;
		p = put_u(p, size);
	}
	p = put_str(p, " \"");

	if (!fit && below(5) >= 2) {
		p = put_str(p, PICK(referrers));
	} else {
		*p++ = '-';
	}
	p = put_str(p, "\" \"");

	if (!fit) {
		p = put_str(p, PICK(agents));
		return put_str(p, "\"\n");
	}

	/* Fit the user agent between here and the closing quote + newline. */
	const char *ua = PICK(agents);
	size_t used = (size_t)(p - start);
	if (used + 2 > fit) { /* cannot even close the line: cut it */
		p = start + fit;
		p[-1] = '\n';
		return p;
	}
	size_t room = fit - used - 2, n = strlen(ua);
	if (n >= room) {
		memcpy(p, ua, room);
		p += room;
	} else {
		memcpy(p, ua, n);
		p += n;
		room -= n;
		while (room) {
			size_t k = room < sizeof(pad_text) - 1 ? room : sizeof(pad_text) - 1;
			memcpy(p, pad_text, k);
			p += k;
			room -= k;
		}
	}
	return put_str(p, "\"\n");
}

/* ---- JSON Lines ------------------------------------------------------------ */

/* Copy the text from *q up to the byte stop into p as a JSON string's
 * content, escaping quotes and, now and then, slashes. */
static char *put_jstr(char *p, const char **q, char stop, int slashes)
{
	const char *s = *q;

	for (; *s != stop && *s != '\n'; s++) {
		if (*s == '"' || *s == '\\' || (*s == '/' && slashes))
			*p++ = '\\';
		*p++ = *s;
	}
	*q = *s == stop ? s + 1 : s;
	return p;
}

static const char *const cities[] = {
	"Z\\u00fcrich", "S\xc3\xa3o Paulo", "Reykjav\u00edk", "Tokyo",
	"\u6771\u4eac", "Lyon", "Krak\xc3\xb3w", "smile \\ud83d\\ude00",
};

/* The combined line at q (from put_line) as one JSON object into p. */
static char *put_json(char *p, const char *q)
{
	const char *sp = strchr(q, ' ');
	uint32_t r = ppm();

	p = put_str(p, "{\"ip\":\"");
	memcpy(p, q, (size_t)(sp - q));
	p += sp - q;
	q = sp + 3;	/* " - " */
	p = put_str(p, "\",\"user\":");
	if (*q == '-') {
		p = put_str(p, "null");
		q += 2;
	} else {
		*p++ = '"';
		p = put_jstr(p, &q, ' ', 0);
		*p++ = '"';
	}
	q++;	/* '[' */
	p = put_str(p, ",\"time\":\"");
	p = put_jstr(p, &q, ']', 0);
	p = put_str(p, "\",\"ts\":");
	p = put_u(p, (uint64_t)(clock_ms / 1000));
	*p++ = '.';
	p = put_u(p, (uint64_t)(100 + clock_ms % 1000));
	q += 2;	/* ' "' */
	p = put_str(p, ",\"req\":{\"method\":\"");
	p = put_jstr(p, &q, ' ', 0);
	p = put_str(p, "\", \"path\":\"");
	p = put_jstr(p, &q, ' ', r < 100000);
	p = put_str(p, "\",\"proto\":\"");
	p = put_jstr(p, &q, '"', 0);
	p = put_str(p, "\"},\"status\":");
	q++;
	sp = strchr(q, ' ');
	memcpy(p, q, (size_t)(sp - q));
	p += sp - q;
	q = sp + 1;
	p = put_str(p, ",\"bytes\":");
	if (*q == '-') {
		p = put_str(p, "null");
		q++;
	} else {
		sp = strchr(q, ' ');
		memcpy(p, q, (size_t)(sp - q));
		p += sp - q;
		q = sp;
	}
	q += 2;	/* ' "' */
	p = put_str(p, ",\"ref\":");
	if (*q == '-') {
		p = put_str(p, "null");
		q += 2;
	} else {
		*p++ = '"';
		p = put_jstr(p, &q, '"', r & 1);
		*p++ = '"';
	}
	q += 2;	/* ' "' */
	p = put_str(p, ",\"ua\":\"");
	p = put_jstr(p, &q, '"', 0);
	p = put_str(p, r % 7 == 0 ? "\\\"quoted\\\"\"" : "\"");
	/* Numbers in every form. */
	p = put_str(p, ",\"lat\":");
	p = put_u(p, below(9) + 1);
	p = put_str(p, (r >> 3) % 3 == 0 ? ".5e-3" : (r >> 3) % 3 == 1 ? "E+2" : ".25");
	p = put_str(p, ",\"id\":");
	p = put_u(p, UINT64_C(10000000000000000000) + rnd() % UINT64_C(8000000000000000000));
	p = put_str(p, ",\"geo\":{\"city\":\"");
	p = put_str(p, PICK(cities));
	p = put_str(p, (r >> 5) % 4 == 0 ? "\",\"pt\":[-0,12.5e0]" : "\",\"pt\":[ 47.37 , -8.54 ]");
	p = put_str(p, "},\"tags\":[");
	if ((r >> 7) % 3 != 0)
		p = put_str(p, (r >> 9) % 2 ? "\"a\",\"caf\xc3\xa9\"" : "\"b\", true, null");
	return put_str(p, "]}\n");
}

/* ---- main ----------------------------------------------------------------- */

static void usage(FILE *f)
{
	fputs("usage: genlog [-s SEED] [-n] SIZE\n"
	      "  Write exactly SIZE bytes of synthetic Apache combined log to stdout.\n"
	      "  SIZE: bytes with optional K/M/G/T suffix (powers of 1024), e.g. 1G.\n"
	      "  -s SEED  PRNG seed (unsigned integer; default fixed)\n"
	      "  -n       print the byte count SIZE stands for and exit\n"
	      "  -j, --json  the same log as JSON Lines (whole lines, at most SIZE)\n", f);
}

/* -j: whole JSON lines while they fit in SIZE; with -n (only_size)
 * their byte count instead. */
static int json_main(const struct gen_opts *o, int only_size)
{
	char line[LINE_MAX_LEN], *buf = malloc(OUTBUF_SIZE + 4 * LINE_MAX_LEN), *p = buf;
	uint64_t left = o->size;

	if (!buf) {
		fprintf(stderr, "genlog: out of memory\n");
		return 1;
	}
	rng_state = o->seed;
	clock_ms = INT64_C(1709251200) * 1000;
	for (;;) {
		char *e = put_line(line, 0);

		*e = '\0';
		e = put_json(p, line);
		if ((uint64_t)(e - p) > left)
			break;
		left -= (uint64_t)(e - p);
		p = e;
		clock_ms += below(41);
		if (p - buf >= (ptrdiff_t)OUTBUF_SIZE) {
			if (!only_size)
				gen_write("genlog", buf, (size_t)(p - buf));
			p = buf;
		}
	}
	if (only_size) {
		printf("%llu\n", (unsigned long long)(o->size - left));
		free(buf);
		return 0;
	}
	gen_write("genlog", buf, (size_t)(p - buf));
	gen_flush("genlog");
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	struct gen_opts o = { .prog = "genlog", .usage = usage, .seed = DEFAULT_SEED };
	int json = 0, c;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--json") == 0)
			argv[i] = (char *)"-j";
	while ((c = gen_getopt(argc, argv, "s:nhj", &o)) != -1)
		json = 1;
	(void)c;
	if (json) {
		/* -n: the size of whole lines is known only by making them. */
		int only = o.only_size;

		o.only_size = 0;
		gen_size_operand(argc, argv, 0, &o);
		return json_main(&o, only);
	}
	gen_size_operand(argc, argv, 0, &o);

	rng_state = o.seed;
	clock_ms = INT64_C(1709251200) * 1000; /* 2024-03-01 00:00:00 UTC */

	char *buf = malloc(OUTBUF_SIZE + LINE_MAX_LEN);
	if (!buf) {
		fprintf(stderr, "genlog: out of memory\n");
		return 1;
	}
	char *p = buf;
	uint64_t left = o.size;

	/* Whole lines while there is ample room left... */
	while (left >= 4 * LINE_MAX_LEN) {
		char *q = put_line(p, 0);
		left -= (uint64_t)(q - p);
		p = q;
		clock_ms += below(41); /* ~20 ms apart: ~30 h per GiB */
		if (p - buf >= (ptrdiff_t)OUTBUF_SIZE) {
			gen_write("genlog", buf, (size_t)(p - buf));
			p = buf;
		}
	}
	/* ...then the tail as lines of ~200 bytes made to fit exactly. */
	if (left) {
		uint64_t lines = (left + 100) / 200;
		if (lines == 0)
			lines = 1;
		while (lines) {
			size_t n = (size_t)(left / lines);
			char *q = put_line(p, n);
			p = q;
			left -= n;
			lines--;
			clock_ms += below(41);
			if (p - buf >= (ptrdiff_t)OUTBUF_SIZE) {
				gen_write("genlog", buf, (size_t)(p - buf));
				p = buf;
			}
		}
	}
	gen_write("genlog", buf, (size_t)(p - buf));
	gen_flush("genlog");
	free(buf);
	return 0;
}
