/*
 * Where rendered reports go (file.c): whole files replaced, read back,
 * streams written and flushed; every failure names what it was writing.
 */
#include "lg_test.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "leakgate/file.h"

static void test_write_then_read(void **state)
{
	char dir[] = "/tmp/lg-file-XXXXXX", path[64];
	lg_buf text = LG_BUF_INIT;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/a.txt", dir);
	assert_lg_ok(lg_file_write_atomic(path, "old", 3));
	assert_lg_ok(lg_file_write_atomic_named(path, "report", "new\n", 4));
	assert_lg_ok(lg_file_read(&text, path));
	assert_string_equal(text.ptr, "new\n");
	assert_lg_ok(lg_file_append(path, "more", 4));
	lg_buf_clear(&text);
	assert_lg_ok(lg_file_read(&text, path));
	assert_string_equal(text.ptr, "new\nmore");
	unlink(path);
	rmdir(dir);
	lg_buf_dispose(&text);
}

/* A pipe (as /dev/null or /dev/stdout would be) is written into, not
 * replaced by a file renamed over it. */
static void test_pipe_written_in_place(void **state)
{
	char dir[] = "/tmp/lg-file-XXXXXX", path[64], got[16] = { 0 };
	struct stat st;
	int reader;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	reader = open(path, O_RDONLY | O_NONBLOCK);
	assert_true(reader >= 0);
	assert_lg_ok(lg_file_write_atomic_named(path, "JUnit report", "<x/>", 4));
	assert_int_equal(read(reader, got, sizeof(got) - 1), 4);
	assert_string_equal(got, "<x/>");
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	close(reader);
	unlink(path);
	rmdir(dir);
}

/* A FIFO that nothing reads: an error at once, not a wait that ignores
 * SIGTERM. */
static void test_fifo_without_reader(void **state)
{
	char dir[] = "/tmp/lg-file-XXXXXX", path[64];

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(lg_file_write_atomic_named(path, "JUnit report", "x", 1),
			 LG_EOS);
	assert_contains(lg_error_last(), "cannot write JUnit report '");
	assert_contains(lg_error_last(), "fifo': a FIFO that nothing reads");
	unlink(path);
	rmdir(dir);
}

/* Through a symbolic link (to a file, to none yet, relative): the target
 * is written, the link stays; a name of 254 bytes has a temporary one. */
static void test_links_and_long_names(void **state)
{
	char dir[] = "/tmp/lg-file-XXXXXX", path[512], target[512], name[255];
	lg_buf text = LG_BUF_INIT;
	struct stat st;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/link.xml", dir);
	snprintf(target, sizeof(target), "%s/real.xml", dir);
	assert_int_equal(symlink("real.xml", path), 0);
	assert_lg_ok(lg_file_write_atomic(path, "first", 5)); /* dangling */
	assert_lg_ok(lg_file_write_atomic(path, "second", 6));
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_lg_ok(lg_file_read(&text, target));
	assert_string_equal(text.ptr, "second");
	unlink(path);
	unlink(target);

	memset(name, 'n', 254);
	name[254] = '\0';
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_lg_ok(lg_file_write_atomic(path, "long", 4));
	lg_buf_clear(&text);
	assert_lg_ok(lg_file_read(&text, path));
	assert_string_equal(text.ptr, "long");
	unlink(path);
	assert_int_equal(rmdir(dir), 0); /* no temporary file left */
	lg_buf_dispose(&text);
}

static void test_failures_name_the_file(void **state)
{
	lg_buf text = LG_BUF_INIT;

	(void)state;
	assert_int_equal(lg_file_read(&text, "/nonexistent/x"), LG_EOS);
	assert_contains(lg_error_last(), "cannot read '/nonexistent/x'");
	assert_int_equal(text.len, 0);
	assert_int_equal(lg_file_write_atomic_named("/nonexistent/x.xml",
						    "JUnit report", "x", 1), LG_EOS);
	assert_contains(lg_error_last(), "cannot write JUnit report "
			"'/nonexistent/x.xml': cannot create");
	assert_int_equal(lg_file_write_atomic("", "x", 1), LG_EINVALID);
	assert_string_equal(lg_error_last(), "cannot write a file: no file name");
}

static void test_put_to_a_stream(void **state)
{
	char *data = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&data, &len);
	FILE *readonly = fopen("/dev/null", "r");

	(void)state;
	assert_non_null(out);
	assert_lg_ok(lg_file_put(out, "abc", 3, "the report"));
	/* Flushed: the bytes are there before the stream is closed. */
	assert_int_equal(len, 3);
	assert_lg_ok(lg_file_put(out, NULL, 0, "the report"));
	assert_int_equal(fclose(out), 0);
	free(data);
	assert_non_null(readonly);
	assert_int_equal(lg_file_put(readonly, "abc", 3, "the report"), LG_EOS);
	assert_contains(lg_error_last(), "cannot write the report: ");
	fclose(readonly);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_then_read),
		cmocka_unit_test(test_pipe_written_in_place),
		cmocka_unit_test(test_failures_name_the_file),
		cmocka_unit_test(test_fifo_without_reader),
		cmocka_unit_test(test_links_and_long_names),
		cmocka_unit_test(test_put_to_a_stream),
	};

	return cmocka_run_group_tests_name("file", tests, NULL, NULL);
}
