package strings

plain := "tab\there \"quoted\" \u00e9"
raw := `C:\path\no\escapes`
raw_multi := `line one
   line two
line three`
greeting := $"Hello, {input.user.name}! You have {count(input.messages)} messages."
escaped := $"braces \{like this} and quotes \" inside"
raw_template := $`multi-line {input.x}
template with \{escaped} braces`
with_in_template := $"user {input.user with input.user as "mocked"}"
numbers := [1, -2, 3.5, 1e3, 2E-2, -0.25, 100000000000000000000]
keys := {"snake_case": 1, "kebab-case": 2, "in": 3}
refs := [input.snake_case, input["kebab-case"], input["plain"], input.in, input["not"]]
