/*
 * A fuzz target without libFuzzer: every file of the given directories or
 * paths (default: its corpus, tests/fuzz/corpus/LG_FUZZ_TARGET) once
 * through LLVMFuzzerTestOneInput. Part of `make check`, so a corpus file
 * that once crashed a reader is a regression test; under `make sanitize`
 * the same with ASan and UBSan.
 */
#include "fuzz.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data = NULL;
	long size;

	if (!f || fseek(f, 0, SEEK_END) < 0 || (size = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) < 0 || !(data = malloc((size_t)size + 1)) ||
	    fread(data, 1, (size_t)size, f) != (size_t)size) {
		fprintf(stderr, "replay: cannot read %s\n", path);
		free(data);
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(data, (size_t)size);
	free(data);
	return 0;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The files of dir in name order; count of them replayed, or -1. */
static int replay_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *ent;
	char **names = NULL, path[4096];
	size_t n = 0, cap = 0;
	int done = 0;

	if (!d) {
		fprintf(stderr, "replay: cannot open %s\n", dir);
		return -1;
	}
	while ((ent = readdir(d))) {
		if (ent->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **grown = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof(*names));

			if (!grown)
				break;
			names = grown;
		}
		if (!(names[n] = strdup(ent->d_name)))
			break;
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), compare_names);
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (done >= 0)
			done = replay_file(path) < 0 ? -1 : done + 1;
		free(names[i]);
	}
	free(names);
	return done;
}

int main(int argc, char **argv)
{
	const char *fallback = LG_SOURCE_DIR "/tests/fuzz/corpus/" LG_FUZZ_TARGET;
	int total = 0;

	for (int i = argc > 1 ? 1 : 0; i < (argc > 1 ? argc : 1); i++) {
		const char *path = argc > 1 ? argv[i] : fallback;
		struct stat st;
		int n;

		if (stat(path, &st) < 0) {
			fprintf(stderr, "replay: no %s\n", path);
			return 1;
		}
		n = S_ISDIR(st.st_mode) ? replay_dir(path) : replay_file(path) < 0 ? -1 : 1;
		if (n < 0)
			return 1;
		total += n;
	}
	if (total == 0) {
		fprintf(stderr, "replay: no inputs for %s\n", LG_FUZZ_TARGET);
		return 1;
	}
	printf("fuzz corpus %s: %d inputs replayed\n", LG_FUZZ_TARGET, total);
	return 0;
}
