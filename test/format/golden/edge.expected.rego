package edge

unions if {
	x := {(input.a | input.b)}
	y := {"k": (input.a | input.b)}
	z := [(input.a | input.b) | true]
	(input.a | input.b) == input.c
}

lone_union if (input.a | input.b)

lone_set if {
	{1, 2}
}

lone_empty_object if {
	{}
}

arith if {
	x := 1 + 2
	y := 3 - -1
	z := -1 * input.n
	w := (input.a + input.b).c
	v := (1 + 2) - (3 - 4)
	u := 1 - (2 + 3)
	t := (input.a == input.b) == false
	s := 1 in ([1] == true)
	r := (1 in [1]) == true
}

head_in := 1 in [1]
head_member3 := (1, 2 in [2])

refs if {
	f(input.x)[0] == [1, 2][0]
	{"a": 1}.a == {"a": 1}.a
	input.if.contains == input["else"]
	g() == 1
}

mocked if {
	not allow with input as {}
	count(input.xs) == 2 with count as mock_count
	every x in input.xs { x } with input.xs as [true]
}

mock_count(_) := 2
allow := input.allow
g() := 1
nested_templates := $"a {$"b {input.x}"} c {concat("{", ["}"])}"
chained if input.a

chained if input.b

f(x) := y if {
	y := x
} else := 1

strings := ["#not a comment", `# nor this`, "ünïcödé"] # a comment with ünïcödé
p[x].y := 1 if some x in input.keys
a.b.c[d] contains e if some d, e in input.map

default q.x := 1
