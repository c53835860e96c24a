# Vengtoo MCP gateway example policy (Rego v1).
#
#   vengtoo-agent mcp-gateway --name filesystem --policy examples/mcp -- npx -y @modelcontextprotocol/server-filesystem /srv
#   vengtoo-agent mcp-gateway --name database   --policy examples/mcp -- <a database MCP server>
#
# The gateway asks data.vengtoo.authz.decision before every tools/call with
#   input.subject   {"type": "agent", "id": ...}
#   input.resource  {"type": "mcp_tool", "id": "<server>__<tool>", "properties": {"arguments": {...}}}
#   input.action    {"name": "invoke"}
#   input.context   {"server", "method", "phase": "call" | "list", "client": {"name", "version"}}
# and, to filter tools/list, once per listed tool without arguments (context.phase == "list").
# (With --naming coaz the resource is {"type": "tool", "id": "<tool>"}; both are read below.)
#
# What it says (settings in data.json beside this file):
#   - database servers: any listed tool, but never SQL containing DROP or DELETE;
#   - filesystem servers: read anywhere the server allows, write only inside one folder;
#     never touch environment secrets (.env files, /proc/*/environ, ...); paths must be absolute
#     and free of "..", so the policy sees the real target (symlinks are the server's business);
#   - anything else: denied.
# Guards run first: a guard that fires denies, whatever else allows.
package vengtoo.authz

fs := data.mcp.filesystem

db := data.mcp.database

# ---- The decision --------------------------------------------------------------------------

default decision := {"allowed": false, "reason": "No rule allows this MCP tool"}

decision := {"allowed": false, "reason": concat("; ", blocked)} if count(blocked) > 0

decision := {"allowed": true, "reason": min(grants), "access_path": "mcp"} if {
	count(blocked) == 0
	count(grants) > 0
}

# ---- What is being called ------------------------------------------------------------------

server := input.context.server

tool := trim_prefix(input.resource.id, concat("", [server, "__"])) if input.resource.type == "mcp_tool"

tool := input.resource.id if input.resource.type == "tool"

args := object.get(input.resource, ["properties", "arguments"], {})

listing if input.context.phase == "list"

on_database if server in db.servers

on_filesystem if server in fs.servers

# ---- Database: query yes, DROP / DELETE never ---------------------------------------------

grants contains "Database tool allowed (no DROP or DELETE)" if {
	on_database
	tool in db.tools
}

# Every string anywhere in the arguments counts, whatever the argument is called.
strings contains s if {
	walk(args, [_, s])
	is_string(s)
}

blocked contains "BLOCKED: DROP operations are not permitted for AI agents" if {
	on_database
	some s in strings
	regex.match(`(?i)\bDROP\b`, s)
}

blocked contains "BLOCKED: DELETE operations are not permitted for AI agents" if {
	on_database
	some s in strings
	regex.match(`(?i)\bDELETE\b`, s)
}

# ---- Filesystem: read, write only inside the workspace, no secrets -------------------------

grants contains "Read access" if {
	on_filesystem
	tool in fs.read_tools
}

grants contains sprintf("Write access inside %s", [fs.writable_folder]) if {
	on_filesystem
	tool in fs.write_tools
	writes_allowed
}

# Listing: a write tool can be allowed (inside the folder), so it stays visible.
writes_allowed if listing

writes_allowed if {
	not listing
	count(paths) > 0
	every p in paths {
		inside_workspace(p)
	}
}

# The path arguments of @modelcontextprotocol/server-filesystem's tools.
paths contains p if {
	some key in ["path", "source", "destination"]
	p := args[key]
}

paths contains p if {
	some p in args.paths
}

blocked contains "BLOCKED: path arguments must be absolute, without '..'" if {
	on_filesystem
	some p in paths
	not clean_path(p)
}

blocked contains sprintf("BLOCKED: %s holds environment secrets", [p]) if {
	on_filesystem
	some p in paths
	is_string(p)
	some pattern in fs.secret_patterns
	regex.match(pattern, p)
}

blocked contains sprintf("BLOCKED: writes are only allowed inside %s", [fs.writable_folder]) if {
	on_filesystem
	tool in fs.write_tools
	some p in paths
	not inside_workspace(p)
}

clean_path(p) if {
	is_string(p)
	startswith(p, "/")
	not regex.match(`(^|/)\.\.?(/|$)`, p)
}

inside_workspace(p) if {
	clean_path(p)
	startswith(p, concat("", [trim_suffix(fs.writable_folder, "/"), "/"]))
}
