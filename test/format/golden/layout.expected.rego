package layout

allowed_methods := [
	"GET", "HEAD",
	"OPTIONS",
	"POST",
]

matrix := [
	[1, 2, 3],
	[4, 5, 6],
]

routes := {"/a": {"methods": ["GET"], "public": true}, "/b": {"methods": ["POST"], "public": false}}

routes_multi := {
	"/a": {
		"methods": ["GET"],
		"public": true,
	},
	"/b": {"methods": ["POST"], "public": false},
}

msg := sprintf(
	"%s: %v",
	[input.user, input.action],
)

f(a, b, c) := x if x := (a + b) + c
empty_set := set()
empty_obj := {}
empty_arr := []
x := 1
y := 2

z := 3

p if {
	input.a
	input.b
	input.c
}

q if input.x == 1
