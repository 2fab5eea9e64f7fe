#ifndef LG_FUZZ_H
#define LG_FUZZ_H

/*
 * The fuzz targets (tests/fuzz/fuzz_*.c) over the readers of outside input.
 * Each defines LLVMFuzzerTestOneInput; `make fuzz` links it with libFuzzer
 * (clang), `make check` with replay.c, which feeds it every file of its
 * corpus, tests/fuzz/corpus/<target>/, so that a finding added there stays
 * a regression test without clang.
 */
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Write data to a file of this process's own (for readers that take a
 * path); its path, or NULL when it cannot be written. */
const char *lg_fuzz_file(const uint8_t *data, size_t size);

#endif
