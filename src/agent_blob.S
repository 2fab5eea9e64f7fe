/* The Python agent, embedded in the binary: lg_agent_source() returns it. */
	.section .rodata
	.global lg_agent_py
	.type lg_agent_py, @object
lg_agent_py:
	.incbin "src/agent/agent.py"
	.byte 0
	.size lg_agent_py, . - lg_agent_py
/* The diagnostic pass (explain.h), run by the agent with --explain. */
	.global lg_explain_py
	.type lg_explain_py, @object
lg_explain_py:
	.incbin "src/agent/explain.py"
	.byte 0
	.size lg_explain_py, . - lg_explain_py
/* Tests as workloads (pytest, unittest), run by the agent with --with. */
	.global lg_pytest_py
	.type lg_pytest_py, @object
lg_pytest_py:
	.incbin "src/agent/pytest_target.py"
	.byte 0
	.size lg_pytest_py, . - lg_pytest_py
	.section .note.GNU-stack,"",@progbits
