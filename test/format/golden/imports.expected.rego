# Imports: grouped as the source groups them (blank lines), sorted within a group.
package authz.http

import rego.v1 # kept

# redundant next to rego.v1: dropped, its comment kept
import data.lib.util as u # an alias
import data.roles
import input.request

# a second group
import data.alpha
import data.alpha.beta
import data.zeta

allow if request.method == "GET"
