/* The allocator shim (src/shim/lgshim.c, built by the Makefile as a shared
 * object), embedded in the binary: lg_explain_shim_install writes it out. */
	.section .rodata
	.global lg_shim_so
	.type lg_shim_so, @object
	.balign 16
lg_shim_so:
	.incbin LG_SHIM_SO
lg_shim_so_end:
	.size lg_shim_so, . - lg_shim_so
	.global lg_shim_so_size
	.type lg_shim_so_size, @object
	.balign 8
lg_shim_so_size:
	.quad lg_shim_so_end - lg_shim_so
	.size lg_shim_so_size, 8
	.section .note.GNU-stack,"",@progbits
