# Top comment, before the package.
# Second line of it.

package comments # on the package line

# METADATA
# title: Allow admins
# description: rule with metadata
allow if {
    # own line, first in the body
    input.user == "admin" # end of line

    # after a blank line
    input.ok
    # last in the body
} # after the closing brace


# Comment block between rules,

# in two paragraphs.
deny contains msg if { # on the opening line
    msg := "denied"
}

config := {
    "a": 1, # after a
    # before b
    "b": 2,
    # before the closing brace
} # after the object

list := [ # on the open bracket
    1,
    2, # after 2
]

# trailing comment 1

# trailing comment 2
