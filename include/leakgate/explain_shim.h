#ifndef LEAKGATE_EXPLAIN_SHIM_H
#define LEAKGATE_EXPLAIN_SHIM_H

/*
 * The allocator shim (src/shim/lgshim.c), built into the binary: written to
 * a private temporary file for LD_PRELOAD. *path_out is the file (free()
 * it after lg_explain_shim_remove).
 */
int lg_explain_shim_install(char **path_out);
void lg_explain_shim_remove(const char *path);

#endif
