/* The Python agent, embedded in the binary: lg_agent_source() returns it. */
	.section .rodata
	.global lg_agent_py
	.type lg_agent_py, @object
lg_agent_py:
	.incbin "src/agent/agent.py"
	.byte 0
	.size lg_agent_py, . - lg_agent_py
	.section .note.GNU-stack,"",@progbits
