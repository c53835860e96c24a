# Vengtoo Agent starter policy (Rego v1).
#
# The agent evaluates data.vengtoo.authz.decision for every request. `input` is the AuthZEN
# request: subject {type, id, properties}, resource {type, id, properties}, action {name},
# context. (The agent also accepts `resource.name` for `id` and `attributes` for `properties`.)
#
# Who may do what lives in data.json beside this file:
#   principals[type][id].roles      agents and users, each with roles
#   roles[role]                     grants: actions on a resource type, for resource ids
#                                   matching glob patterns ("database__*")
# Guards run first: a guard that fires denies, whatever the roles say.
package vengtoo.authz

# ---- The decision --------------------------------------------------------------------------

# Nothing matched: deny.
default decision := {"allowed": false, "reason": "No role grants this action"}

# A guard fired: deny with its reason (several guards' reasons are joined).
decision := {"allowed": false, "reason": concat("; ", blocked)} if count(blocked) > 0

# No guard fired and a role grants the action.
decision := {"allowed": true, "reason": "Access granted via role", "access_path": "role"} if {
	count(blocked) == 0
	role_grants
}

# ---- Guards ----------------------------------------------------------------------------------

# AI agents never drop anything, whatever tool they call it through.
blocked contains "BLOCKED: DROP operations are not permitted for AI agents" if {
	input.subject.type == "agent"
	some sql in statements
	regex.match(`(?i)\bDROP\s+(TABLE|DATABASE|SCHEMA|VIEW|INDEX)\b`, sql)
}

# The SQL a request carries, if any.
statements contains sql if {
	sql := input.resource.properties.sql
	is_string(sql)
}

# ---- Roles -----------------------------------------------------------------------------------

principal := data.principals[input.subject.type][input.subject.id]

role_grants if {
	some role in principal.roles
	some grant in data.roles[role]
	grant.resource_type in {"*", input.resource.type}
	action_allowed(grant)
	some pattern in grant.resources
	glob.match(pattern, [], input.resource.id)
}

action_allowed(grant) if input.action.name in grant.actions

action_allowed(grant) if "*" in grant.actions
