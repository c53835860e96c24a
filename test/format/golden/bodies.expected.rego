package bodies

import rego.v1

comprehensions if {
	evens := [x | some x in input.numbers; x % 2 == 0]
	names := {u.name | some u in input.users}
	by_id := {u.id: u | some u in input.users}
	nested := [[y | some y in row] | some row in input.matrix]
	multi := [x |
		some x in input.numbers
		x > 10
	]
	union := {x | some x in (input.a | input.b)}
}

keywords if {
	some i
	input.items[i].ok
	some k, v in input.map
	some [a, b] in input.pairs
	every item in input.items { item.ok }
	every k, v in input.map {
		is_string(k)
		v != null
	}
	not input.blocked
	not contains(input.path, "..")
	count(input.items) > 0 with input.items as [1]
	allow with input as {"user": "admin"} with data.roles as {}
}

operators if {
	x := 1 + (2 * 3)
	y := (1 + 2) * 3
	z := 10 - (4 - 3)
	w := (10 - 4) - 3
	a := input.x == input.y
	input.a + input.b == input.c
	input.n % 2 == 0
	s := {1, 2} | {3}
	t := {1, 2} & {2}
	"a" in {"a", "b"}
	not "c" in {"a", "b"}
	q := 1 in ([1] == true)
	r := [k, v] in [[1, 2]]
	plus(1, 2) == 3
	input.x != input.y
	input.a >= 1
	input.b <= 2
}

allow if input.user == "admin"
