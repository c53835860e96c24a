# Unit tests for the starter policy: `vengtoo-agent test examples/policy.rego examples/policy_test.rego`.
package vengtoo.authz_test

import data.vengtoo.authz

test_agent_may_query_database if {
	authz.decision.allowed with input as {
		"subject": {"type": "agent", "id": "ai-assistant"},
		"resource": {"type": "mcp_tool", "id": "database__query"},
		"action": {"name": "invoke"},
	}
}

test_agent_may_not_drop_tables if {
	d := authz.decision with input as {
		"subject": {"type": "agent", "id": "ai-assistant"},
		"resource": {"type": "mcp_tool", "id": "database__execute", "properties": {"sql": "DROP TABLE users"}},
		"action": {"name": "invoke"},
	}
	not d.allowed
	startswith(d.reason, "BLOCKED")
}

test_reader_may_not_write if {
	not authz.decision.allowed with input as {
		"subject": {"type": "user", "id": "bob"},
		"resource": {"type": "document", "id": "handbook"},
		"action": {"name": "write"},
	}
}

test_unknown_subject_is_denied if {
	authz.decision == {"allowed": false, "reason": "No role grants this action"} with input as {
		"subject": {"type": "user", "id": "mallory"},
		"resource": {"type": "document", "id": "handbook"},
		"action": {"name": "read"},
	}
}
