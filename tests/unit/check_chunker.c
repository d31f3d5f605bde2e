/* check_chunker.c - record-aligned chunks from files and streams. */
#include "autoconfig.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_suites.h"
#include "chunker.h"
#include "util.h"

#define TMPL "/tmp/check_chunker.XXXXXX"

static void make_file(char *path, const void *data, size_t len)
{
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write_all(fd, data, len), 0);
	close(fd);
}

/* Where a chunk starting at pos ends: past the first terminator at or
 * after pos + target - 1, or at the end of the data. */
static uint64_t want_end(const char *data, size_t len, uint64_t pos, uint64_t target, char term)
{
	for (uint64_t i = pos + target - 1; i < len; i++)
		if (data[i] == term)
			return i + 1;
	return len;
}

/* Cut one file with every target from 1 to len + 1. */
static void check_file(const char *data, size_t len, char term)
{
	char path[] = TMPL;
	char *paths[1] = { path };

	make_file(path, data, len);
	for (uint64_t target = 1; target <= len + 1; target++) {
		char *err = NULL;
		int code = 0, rc;
		struct chunker *c = chunker_open(paths, 1, term, target, 1, &err, &code);
		struct chunk ch;
		uint64_t pos = 0, seq = 0;

		ck_assert_msg(c != NULL, "%s", err);
		ck_assert_uint_eq(chunker_count(c), 1);
		ck_assert_int_eq(chunker_wait_fd(c), -1);
		while ((rc = chunker_next(c, false, &ch, &err, &code)) == CHUNK_READY) {
			uint64_t end = ch.offset + ch.length;

			ck_assert_uint_eq(ch.seq, seq++);
			ck_assert_uint_eq(ch.file, 0);
			ck_assert_ptr_null(ch.data);
			/* Contiguous, never empty, record-aligned. */
			ck_assert_uint_eq(ch.offset, pos);
			ck_assert_uint_gt(ch.length, 0);
			ck_assert_msg(end == want_end(data, len, pos, target, term),
			    "len %zu target %llu: chunk [%llu, %llu), want end %llu", len,
			    (unsigned long long)target, (unsigned long long)pos,
			    (unsigned long long)end,
			    (unsigned long long)want_end(data, len, pos, target, term));
			ck_assert(end == len || data[end - 1] == term);
			/* At least the target, unless the file ends first. */
			ck_assert(ch.length >= target || end == len);
			pos = end;
		}
		ck_assert_int_eq(rc, CHUNK_END);
		ck_assert_uint_eq(pos, len);
		ck_assert_uint_eq(chunker_bytes(c), len);
		ck_assert_int_eq(chunker_next(c, false, &ch, &err, &code), CHUNK_END);
		chunker_close(c);
	}
	unlink(path);
}

#define CHECK_FILE(s, term) check_file((s), sizeof(s) - 1, (term))

START_TEST(test_file_every_offset)
{
	CHECK_FILE("a", '\n');
	CHECK_FILE("\n", '\n');
	CHECK_FILE("a\n", '\n');
	CHECK_FILE("\n\n\n", '\n');
	CHECK_FILE("abc\ndef\n", '\n');
	CHECK_FILE("one\ntwo\n\nthree\nfour four\nf\n", '\n');
	/* Records longer than small targets extend their chunks. */
	CHECK_FILE("short\na much longer record than the others\nx\n", '\n');
}
END_TEST

START_TEST(test_file_no_final_terminator)
{
	CHECK_FILE("abc", '\n');
	CHECK_FILE("abc\nd\n\nefghij\nk", '\n');
	CHECK_FILE("\nxyz", '\n');
}
END_TEST

START_TEST(test_file_nul)
{
	CHECK_FILE("a\0bb\0\0ccc\0d", '\0');
	CHECK_FILE("line\nline\n\0next\n\0", '\0');
	/* Newlines alone do not end NUL records. */
	check_file("a\nb\nc\n", 6, '\0');
}
END_TEST

START_TEST(test_file_empty)
{
	char path[] = TMPL;
	char *paths[1] = { path };
	char *err = NULL;
	int code = 0;
	struct chunker *c;
	struct chunk ch;

	make_file(path, "", 0);
	c = chunker_open(paths, 1, '\n', 1, 1, &err, &code);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(chunker_next(c, false, &ch, &err, &code), CHUNK_END);
	ck_assert_uint_eq(chunker_bytes(c), 0);
	chunker_close(c);
	unlink(path);

	/* No inputs at all. */
	c = chunker_open(NULL, 0, '\n', 1, 1, &err, &code);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(chunker_count(c), 0);
	ck_assert_int_eq(chunker_wait_fd(c), -1);
	ck_assert_int_eq(chunker_next(c, true, &ch, &err, &code), CHUNK_END);
	chunker_close(c);
}
END_TEST

START_TEST(test_file_long_record)
{
	/* A record longer than the 64 KiB boundary probe. */
	size_t len = 200000;
	char *data = malloc(len);
	char path[] = TMPL;
	char *paths[1] = { path };
	const uint64_t targets[] = { 1, 10, 65536, 100000, 150001, 150002, 199999, 200000, 1u << 30 };

	memset(data, 'x', len);
	data[150000] = '\n';
	make_file(path, data, len);
	for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
		char *err = NULL;
		int code = 0;
		struct chunker *c = chunker_open(paths, 1, '\n', targets[i], 1, &err, &code);
		struct chunk ch;
		uint64_t pos = 0;

		ck_assert_ptr_nonnull(c);
		while (chunker_next(c, false, &ch, &err, &code) == CHUNK_READY) {
			ck_assert_uint_eq(ch.offset, pos);
			ck_assert_uint_eq(ch.offset + ch.length, want_end(data, len, pos, targets[i], '\n'));
			pos += ch.length;
		}
		ck_assert_uint_eq(pos, len);
		chunker_close(c);
	}
	unlink(path);
	free(data);
}
END_TEST

START_TEST(test_file_auto_target)
{
	size_t len = 2u << 20;
	char *data = malloc(len);
	char path[] = TMPL;
	char *paths[1] = { path };

	for (size_t i = 0; i < len; i++)
		data[i] = i % 101 == 100 ? '\n' : 'x';
	make_file(path, data, len);
	/* Target 0: the chunker picks one; the chunks still tile the file. */
	for (long workers = 0; workers <= 64; workers += 16) {
		char *err = NULL;
		int code = 0;
		struct chunker *c = chunker_open(paths, 1, '\n', 0, workers, &err, &code);
		struct chunk ch;
		uint64_t pos = 0;

		ck_assert_ptr_nonnull(c);
		while (chunker_next(c, false, &ch, &err, &code) == CHUNK_READY) {
			ck_assert_uint_eq(ch.offset, pos);
			ck_assert_uint_gt(ch.length, 0);
			pos += ch.length;
			ck_assert(pos == len || data[pos - 1] == '\n');
		}
		ck_assert_uint_eq(pos, len);
		chunker_close(c);
	}
	unlink(path);
	free(data);
}
END_TEST

START_TEST(test_files_in_sequence)
{
	char p0[] = TMPL, p1[] = TMPL, p2[] = TMPL;
	char *paths[3] = { p0, p1, p2 };
	char *err = NULL;
	int code = 0;
	struct chunker *c;
	struct chunk ch;
	const struct { uint32_t file; uint64_t offset, length; } want[] = {
		{ 0, 0, 2 }, { 0, 2, 2 }, { 2, 0, 2 }, { 2, 2, 1 },
	};

	make_file(p0, "a\nb\n", 4);
	make_file(p1, "", 0);
	make_file(p2, "c\nd", 3);
	c = chunker_open(paths, 3, '\n', 1, 1, &err, &code);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(chunker_count(c), 3);
	ck_assert_str_eq(chunker_path(c, 1), p1);
	ck_assert_str_eq(chunker_path(c, 3), "?");
	ck_assert_int_ge(chunker_input_fd(c, 2, &err, &code), 0);
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		ck_assert_int_eq(chunker_next(c, false, &ch, &err, &code), CHUNK_READY);
		ck_assert_uint_eq(ch.seq, i);
		ck_assert_uint_eq(ch.file, want[i].file);
		ck_assert_uint_eq(ch.offset, want[i].offset);
		ck_assert_uint_eq(ch.length, want[i].length);
	}
	ck_assert_int_eq(chunker_next(c, false, &ch, &err, &code), CHUNK_END);
	ck_assert_uint_eq(chunker_bytes(c), 7);
	chunker_close(c);
	unlink(p0);
	unlink(p1);
	unlink(p2);
}
END_TEST

/* --- shards ------------------------------------------------------------ */

/* Whether a record starts at offset i of data: after a terminator outside
 * quotes (quotes count only with csv), or at 0. */
static bool record_starts(const char *data, size_t i, char term, bool csv)
{
	bool quoted = false;

	if (i == 0)
		return true;
	for (size_t k = 0; k < i - 1; k++)
		if (csv && data[k] == '"')
			quoted = !quoted;
	return !quoted && data[i - 1] == term && !(csv && data[i - 1] == '"');
}

/*
 * Shard files f[0..n) into every count from 1 to past their total size,
 * at several chunk targets: taken in shard order, the chunks of all the
 * shards tile every file, and each record lies in the shard its first
 * byte's range belongs to.
 */
static void check_shards(const char *const *f, const size_t *len, size_t n, char term,
    const struct format *fmt)
{
	char names[4][sizeof TMPL];
	char *paths[4];
	uint64_t total = 0;
	const uint64_t targets[] = { 1, 3, 1 << 20 };

	ck_assert_uint_le(n, 4);
	for (size_t i = 0; i < n; i++) {
		strcpy(names[i], TMPL);
		paths[i] = names[i];
		make_file(paths[i], f[i], len[i]);
		total += len[i];
	}
	for (uint64_t shards = 1; shards <= total + 2; shards++)
	for (size_t t = 0; t < sizeof targets / sizeof targets[0]; t++) {
		uint32_t file = 0;
		uint64_t pos = 0, base = 0;

		for (uint64_t k = 0; k < shards; k++) {
			struct shard sh = { .k = k, .n = shards };
			char *err = NULL;
			int code = 0, rc;
			struct chunk ch;
			struct chunker *c = chunker_open(paths, n, term, targets[t], 1, &err, &code);

			ck_assert_ptr_nonnull(c);
			chunker_set_format(c, fmt, false);
			ck_assert_int_eq(chunker_set_shard(c, &sh, &err, &code), 0);
			ck_assert_uint_eq(sh.total, total);
			while ((rc = chunker_next(c, false, &ch, &err, &code)) == CHUNK_READY) {
				/* Empty files and the ends of files are skipped. */
				while (ch.file > file || pos == len[file]) {
					ck_assert_uint_eq(pos, len[file]);
					base += len[file++];
					pos = 0;
				}
				ck_assert_msg(ch.file == file && ch.offset == pos,
				    "%llu/%llu target %llu: chunk %u:%llu, want %u:%llu",
				    (unsigned long long)k, (unsigned long long)shards,
				    (unsigned long long)targets[t], ch.file,
				    (unsigned long long)ch.offset, file, (unsigned long long)pos);
				ck_assert_uint_gt(ch.length, 0);
				for (uint64_t i = ch.offset; i < ch.offset + ch.length; i++)
					if (record_starts(f[file], i, term, fmt != NULL))
						ck_assert(base + i >= sh.start && base + i < sh.end);
				pos += ch.length;
				ck_assert(record_starts(f[file], pos, term, fmt != NULL) || pos == len[file]);
			}
			ck_assert_msg(rc == CHUNK_END, "%s", rc == CHUNK_ERROR ? err : "");
			chunker_close(c);
		}
		while (file < n && pos == len[file]) {
			base += len[file++];
			pos = 0;
		}
		ck_assert_uint_eq(file, n);
	}
	for (size_t i = 0; i < n; i++)
		unlink(paths[i]);
}

START_TEST(test_shards_cover)
{
	const char *one[] = { "one\ntwo\n\nthree\na much longer record\nf" };
	size_t one_len[] = { strlen(one[0]) };
	const char *three[] = { "a\nbb\n", "", "ccc\nlong long long\n\nd" };
	size_t three_len[] = { 5, 0, strlen(three[2]) };
	const char *nul[] = { "a\0b\nc\0\0dd", "e\0" };
	size_t nul_len[] = { 10, 2 };
	/* Quoted terminators and quotes are no record ends. */
	const char *csv[] = { "a,\"x\ny\"\nb\n\"\"\"\n\"\"\"\n\"q\"\n", "\"\n\n\",z\nlast" };
	size_t csv_len[] = { strlen(csv[0]), strlen(csv[1]) };
	const struct format fmt = { .kind = FORMAT_CSV, .delim = ',' };

	check_shards(one, one_len, 1, '\n', NULL);
	check_shards(three, three_len, 3, '\n', NULL);
	check_shards(nul, nul_len, 2, '\0', NULL);
	check_shards(csv, csv_len, 2, '\n', &fmt);
}
END_TEST

START_TEST(test_shard_inputs)
{
	char p0[] = TMPL, p1[] = TMPL;
	char *paths[2] = { p0, (char *)"-" };
	char *err = NULL;
	int code = 0;
	struct shard sh = { .k = 0, .n = 2 };
	struct chunker *c;

	make_file(p0, "\037\213\010\000", 4);
	c = chunker_open(paths, 1, '\n', 1, 1, &err, &code);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(chunker_set_shard(c, &sh, &err, &code), -1);
	ck_assert_int_eq(code, EXIT_USAGE);
	ck_assert_ptr_nonnull(strstr(err, "a gzip file without an index cannot be sharded (make one with: forkpipe index "));
	free(err);
	chunker_close(c);
	unlink(p0);
	make_file(p1, "x\n", 2);
	paths[0] = p1;
	c = chunker_open(paths, 2, '\n', 1, 1, &err, &code);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(chunker_set_shard(c, &sh, &err, &code), -1);
	ck_assert_str_eq(err, "--shard: standard input cannot be sharded (name the file; only "
	    "regular files can be sharded: plain files, BGZF (bgzip) files, zstd files of "
	    "several frames and gzip files with an index)");
	free(err);
	chunker_close(c);
	unlink(p1);
}
END_TEST

/* --- streams through stdin --------------------------------------------- */

/* Make fd 0 the read end of a pipe that a child fills with data; returns
 * the child's pid and saves the old stdin in *saved. */
static pid_t stdin_from_pipe(const char *data, size_t len, int *saved)
{
	int fds[2];
	pid_t pid;

	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(fds[0]);
		_exit(write_all(fds[1], data, len) == 0 ? 0 : 1);
	}
	close(fds[1]);
	*saved = dup(STDIN_FILENO);
	ck_assert_int_ge(*saved, 0);
	ck_assert_int_eq(dup2(fds[0], STDIN_FILENO), STDIN_FILENO);
	close(fds[0]);
	return pid;
}

static void restore_stdin(int saved, pid_t pid)
{
	int status;

	ck_assert_int_eq(dup2(saved, STDIN_FILENO), STDIN_FILENO);
	close(saved);
	/* The bytes read are checked, not the writer's exit code: under
	 * valgrind with CK_FORK=no it reports leaks of earlier failed tests. */
	if (pid > 0) {
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert(WIFEXITED(status));
	}
}

/*
 * Read the chunks of stream input file until it ends; check them and
 * return its bytes.  A chunk of the next input, if any, goes to *after
 * (after->data is NULL for files; *after_rc says whether there is one).
 */
static char *drain_stream(struct chunker *c, uint32_t file, char term, uint64_t *seq,
    size_t *got, struct chunk *after, int *after_rc)
{
	char *all = NULL, *err = NULL;
	int code = 0, rc;
	struct chunk ch;
	bool last_terminated = true;

	*got = 0;
	while ((rc = chunker_next(c, true, &ch, &err, &code)) != CHUNK_END) {
		if (rc == CHUNK_WAIT)
			continue;
		ck_assert_msg(rc == CHUNK_READY, "chunker_next: %d: %s", rc, err);
		ck_assert_uint_eq(ch.seq, (*seq)++);
		if (ch.file != file) {
			*after = ch;
			break;
		}
		/* Only the last chunk may lack the terminator. */
		ck_assert(last_terminated);
		ck_assert_uint_eq(ch.offset, *got);
		ck_assert_uint_gt(ch.length, 0);
		ck_assert_ptr_nonnull(ch.data);
		ck_assert_uint_ge(ch.cap, ch.length);
		last_terminated = ch.data[ch.length - 1] == term;
		all = realloc(all, *got + ch.length + 1);
		memcpy(all + *got, ch.data, ch.length);
		*got += ch.length;
		chunker_recycle(c, &ch);
		ck_assert_ptr_null(ch.data);
	}
	*after_rc = rc;
	return all;
}

static void check_stream(const char *path, const char *data, size_t len, char term,
    uint64_t target)
{
	char *paths[1] = { (char *)(uintptr_t)path };
	char *err = NULL, *all;
	int saved, code = 0, rc;
	pid_t pid = stdin_from_pipe(data, len, &saved);
	struct chunker *c = chunker_open(paths, 1, term, target, 1, &err, &code);
	uint64_t seq = 0;
	size_t got;
	struct chunk ch;

	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_int_ge(chunker_wait_fd(c), 0);
	if (strcmp(path, "-") == 0) {
		ck_assert_int_eq(chunker_wait_fd(c), STDIN_FILENO);
		ck_assert_str_eq(chunker_path(c, 0), "stdin");
	}
	all = drain_stream(c, 0, term, &seq, &got, &ch, &rc);
	ck_assert_int_eq(rc, CHUNK_END);
	ck_assert_int_eq(chunker_next(c, true, &ch, &err, &code), CHUNK_END);
	ck_assert_msg(got == len, "target %llu: %zu bytes of %zu", (unsigned long long)target, got, len);
	ck_assert(len == 0 || memcmp(all, data, len) == 0);
	ck_assert_uint_eq(chunker_bytes(c), len);
	free(all);
	chunker_close(c);
	restore_stdin(saved, pid);
}

START_TEST(test_stream_small)
{
	static const char *const inputs[] = {
		"a\n", "a\nbb\nccc\n", "a\nbb\nccc", "\n\n\n", "x",
	};

	for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++)
		for (uint64_t target = 1; target <= 12; target++)
			check_stream("-", inputs[i], strlen(inputs[i]), '\n', target);
	check_stream("/dev/stdin", "one\ntwo\nthree\n", 14, '\n', 4);
	check_stream("-", "a\0bb\0c", 6, '\0', 2);
	/* An empty stream gives no chunk. */
	check_stream("-", "", 0, '\n', 1);
}
END_TEST

START_TEST(test_stream_large)
{
	size_t len = 300000, n = 0;
	char *data = malloc(len);
	const uint64_t targets[] = { 0, 1, 7, 4096, 65536, 100000, 1u << 20 };

	/* Records of 0 to 199 bytes, and one of 100000. */
	while (n < len) {
		size_t rec = n > 100000 && n < 110000 ? 100000 : (size_t)(n * 7919 % 200);

		for (size_t i = 0; i < rec && n < len; i++, n++)
			data[n] = (char)('a' + (n + i) % 26);
		if (n < len)
			data[n++] = '\n';
	}
	for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++)
		check_stream("-", data, len, '\n', targets[i]);
	free(data);
}
END_TEST

START_TEST(test_stream_wait)
{
	char *paths[1] = { (char *)"-" };
	char *err = NULL;
	int code = 0, saved, fds[2];
	struct chunker *c;
	struct chunk ch;

	/* Nothing is read unless the caller says the stream is readable. */
	ck_assert_int_eq(pipe(fds), 0);
	saved = dup(STDIN_FILENO);
	ck_assert_int_eq(dup2(fds[0], STDIN_FILENO), STDIN_FILENO);
	close(fds[0]);
	c = chunker_open(paths, 1, '\n', 4, 1, &err, &code);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(chunker_next(c, false, &ch, &err, &code), CHUNK_WAIT);
	ck_assert_int_eq(write(fds[1], "ab\ncd", 5), 5);
	ck_assert_int_eq(chunker_next(c, false, &ch, &err, &code), CHUNK_WAIT);
	ck_assert_int_eq(chunker_next(c, true, &ch, &err, &code), CHUNK_READY);
	ck_assert_uint_eq(ch.offset, 0);
	ck_assert_uint_eq(ch.length, 3);
	ck_assert_mem_eq(ch.data, "ab\n", 3);
	ck_assert_uint_ge(ch.cap, 3);
	chunker_recycle(c, &ch);
	/* "cd" waits for its terminator or the end of the stream. */
	ck_assert_int_eq(chunker_next(c, false, &ch, &err, &code), CHUNK_WAIT);
	close(fds[1]);
	ck_assert_int_eq(chunker_next(c, true, &ch, &err, &code), CHUNK_READY);
	ck_assert_uint_eq(ch.offset, 3);
	ck_assert_uint_eq(ch.length, 2);
	ck_assert_mem_eq(ch.data, "cd", 2);
	chunker_recycle(c, &ch);
	ck_assert_int_eq(chunker_next(c, false, &ch, &err, &code), CHUNK_END);
	chunker_close(c);
	restore_stdin(saved, 0);
}
END_TEST

START_TEST(test_stdin_regular_file)
{
	char path[] = TMPL;
	char *paths[1] = { (char *)"-" };
	char *err = NULL;
	int code = 0, saved, fd;
	struct chunker *c;
	struct chunk ch;

	/* A regular file on stdin is cut by offsets from where it stands. */
	make_file(path, "skip\nab\ncd\n", 11);
	fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(lseek(fd, 5, SEEK_SET), 5);
	saved = dup(STDIN_FILENO);
	ck_assert_int_eq(dup2(fd, STDIN_FILENO), STDIN_FILENO);
	close(fd);
	c = chunker_open(paths, 1, '\n', 1, 1, &err, &code);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(chunker_wait_fd(c), -1);
	ck_assert_int_eq(chunker_input_fd(c, 0, &err, &code), STDIN_FILENO);
	ck_assert_int_eq(chunker_next(c, false, &ch, &err, &code), CHUNK_READY);
	ck_assert_ptr_null(ch.data);
	ck_assert_uint_eq(ch.offset, 5);
	ck_assert_uint_eq(ch.length, 3);
	ck_assert_int_eq(chunker_next(c, false, &ch, &err, &code), CHUNK_READY);
	ck_assert_uint_eq(ch.offset, 8);
	ck_assert_uint_eq(ch.length, 3);
	ck_assert_int_eq(chunker_next(c, false, &ch, &err, &code), CHUNK_END);
	ck_assert_uint_eq(chunker_bytes(c), 6);
	/* Left at the end of what was read, as cat leaves it. */
	ck_assert_int_eq(lseek(STDIN_FILENO, 0, SEEK_CUR), 11);
	chunker_close(c);
	restore_stdin(saved, 0);
	unlink(path);
}
END_TEST

START_TEST(test_stream_between_files)
{
	char p0[] = TMPL, p2[] = TMPL;
	char *paths[3] = { p0, (char *)"-", p2 };
	char *err = NULL, *all;
	int code = 0, saved, rc;
	pid_t pid;
	struct chunker *c;
	struct chunk ch;
	uint64_t seq;
	size_t got;

	make_file(p0, "f0\n", 3);
	make_file(p2, "f2\n", 3);
	pid = stdin_from_pipe("s1\ns2\n", 6, &saved);
	c = chunker_open(paths, 3, '\n', 1, 1, &err, &code);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(chunker_wait_fd(c), -1);
	ck_assert_int_eq(chunker_next(c, false, &ch, &err, &code), CHUNK_READY);
	ck_assert_uint_eq(ch.file, 0);
	ck_assert_uint_eq(ch.length, 3);
	seq = 1;
	all = drain_stream(c, 1, '\n', &seq, &got, &ch, &rc);
	ck_assert_uint_eq(got, 6);
	ck_assert_mem_eq(all, "s1\ns2\n", 6);
	free(all);
	ck_assert_int_eq(rc, CHUNK_READY);
	ck_assert_uint_eq(ch.seq, seq - 1);
	ck_assert_uint_eq(ch.file, 2);
	ck_assert_uint_eq(ch.offset, 0);
	ck_assert_uint_eq(ch.length, 3);
	ck_assert_ptr_null(ch.data);
	ck_assert_int_eq(chunker_next(c, false, &ch, &err, &code), CHUNK_END);
	ck_assert_uint_eq(chunker_bytes(c), 12);
	chunker_close(c);
	restore_stdin(saved, pid);
	unlink(p0);
	unlink(p2);
}
END_TEST

/* --- errors ------------------------------------------------------------ */

static void open_error(char *const *paths, size_t n, const char *name, const char *why)
{
	char *err = NULL;
	int code = 0;

	ck_assert_ptr_null(chunker_open(paths, n, '\n', 1, 1, &err, &code));
	ck_assert_int_eq(code, 66);
	ck_assert_ptr_nonnull(err);
	ck_assert_msg(strncmp(err, name, strlen(name)) == 0 && err[strlen(name)] == ':',
	    "message [%s] does not start with [%s:]", err, name);
	ck_assert_msg(strstr(err, why) != NULL, "message [%s] lacks [%s]", err, why);
	free(err);
}

START_TEST(test_open_missing)
{
	char good[] = TMPL;
	char *one[1] = { (char *)"/nonexistent/input.log" };
	char *two[2] = { good, (char *)"/nonexistent/second.log" };

	open_error(one, 1, "/nonexistent/input.log", "No such file");
	/* A missing file fails the open even after good ones. */
	make_file(good, "x\n", 2);
	open_error(two, 2, "/nonexistent/second.log", "No such file");
	unlink(good);
}
END_TEST

START_TEST(test_open_directory)
{
	char *dir[1] = { (char *)"/tmp" };
	char *in[1] = { (char *)"-" };
	int saved, fd;

	open_error(dir, 1, "/tmp", "Is a directory");
	/* A directory on stdin is named as stdin. */
	fd = open("/tmp", O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(fd, 0);
	saved = dup(STDIN_FILENO);
	ck_assert_int_eq(dup2(fd, STDIN_FILENO), STDIN_FILENO);
	close(fd);
	open_error(in, 1, "stdin", "Is a directory");
	restore_stdin(saved, 0);
}
END_TEST

Suite *suite_chunker(void)
{
	Suite *s = suite_create("chunker");
	TCase *tc;

	tc = tcase_create("core");
	tcase_add_test(tc, test_file_every_offset);
	tcase_add_test(tc, test_file_no_final_terminator);
	tcase_add_test(tc, test_file_nul);
	tcase_add_test(tc, test_files_in_sequence);
	tcase_add_test(tc, test_stream_small);
	tcase_add_test(tc, test_stream_wait);
	tcase_add_test(tc, test_stdin_regular_file);
	tcase_add_test(tc, test_stream_between_files);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_file_empty);
	tcase_add_test(tc, test_file_long_record);
	tcase_add_test(tc, test_file_auto_target);
	tcase_add_test(tc, test_shards_cover);
	tcase_add_test(tc, test_shard_inputs);
	tcase_add_test(tc, test_stream_large);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_test(tc, test_open_missing);
	tcase_add_test(tc, test_open_directory);
	suite_add_tcase(s, tc);
	return s;
}
