package rules

default allow = false
default  f(_)   =  "none"
allow if input.user == "admin"
allow if { input.user == "root" }
allow if {
    input.method == "GET"
    input.path[0] == "public"
}

# Partial set and partial object rules
users contains name if { some name in input.users }
roles[name] = role if {
  some name, role in input.roles
}
# Ref heads
access.read.docs[id] if { some id in input.docs }
access.write.docs contains id if some id in input.owned

constant = 42
flag if true
obj.a.b = "c" if { true }

# Functions with several clauses
kind(x) = "small" if x < 10
kind(x) = "large" if { x >= 10; x < 1000 }
kind(x) = "huge" if {
  x >= 1000
}

# Else chains
grade(score) = "A" if { score >= 90 } else = "B" if { score >= 80 } else = "C"
level := 1 if input.a
else := 2 if input.b
else := 3
limit := x if {
    x := input.limit
} else := 10
