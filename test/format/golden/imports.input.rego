# Imports: grouped as the source groups them (blank lines), sorted within a group.
package   authz.http
import rego.v1 # kept
import future.keywords.if # redundant next to rego.v1: dropped, its comment kept
import data.roles
import data.lib.util as u # an alias
import input.request

# a second group
import data.zeta
import data.alpha.beta
import data.alpha

allow if request.method == "GET"
