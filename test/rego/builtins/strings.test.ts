import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stringsBuiltins } from '../../../src/rego/builtins/strings.js';
import { makeObject, RSet } from '../../../src/rego/value.js';
import { assertBuiltinError, finder } from './helpers.js';

const call = finder(stringsBuiltins);

test('concat', () => {
  assert.equal(call('concat', '/', ['', 'foo', 'bar', '0', 'baz']), '/foo/bar/0/baz');
  assert.equal(call('concat', ',', new RSet(['b', 'a', 'c'])), 'a,b,c');
  assert.equal(call('concat', ',', []), '');
  assertBuiltinError(() => call('concat', ',', ['a', 1]), 'operand 2 must be array of strings but got array containing number');
  assertBuiltinError(() => call('concat', ',', new RSet([1])), 'operand 2 must be set of strings but got set containing number');
  assertBuiltinError(() => call('concat', ',', 'abc'), 'operand 2 must be one of {set, array} but got string');
  assertBuiltinError(() => call('concat', 1, []), 'operand 1 must be string but got number');
});

test('contains, startswith, endswith', () => {
  assert.equal(call('contains', 'abcdefgh', 'defg'), true);
  assert.equal(call('contains', 'abcdefgh', 'ac'), false);
  assert.equal(call('startswith', 'abcdefgh', 'abcd'), true);
  assert.equal(call('startswith', 'abcdefgh', 'bcd'), false);
  assert.equal(call('endswith', 'abcdefgh', 'fgh'), true);
  assert.equal(call('endswith', 'abcdefgh', 'fg'), false);
  assertBuiltinError(() => call('contains', 'a', null), 'operand 2 must be string but got null');
});

test('format_int', () => {
  assert.equal(call('format_int', 15.5, 16), 'f');
  assert.equal(call('format_int', -255, 16), '-ff');
  assert.equal(call('format_int', 5, 2), '101');
  assert.equal(call('format_int', 8, 8), '10');
  assert.equal(call('format_int', 3.9, 10), '3');
  assert.equal(call('format_int', -3.9, 10), '-3');
  assert.equal(call('format_int', 18446744073709551616n, 16), '10000000000000000');
  assertBuiltinError(() => call('format_int', 4.1, 199), 'operand 2 must be one of {2, 8, 10, 16}');
  assertBuiltinError(() => call('format_int', '1', 10), 'operand 1 must be number but got string');
});

test('indexof and indexof_n count runes', () => {
  assert.equal(call('indexof', 'abcdefgh', 'cde'), 2);
  assert.equal(call('indexof', 'abcdefgh', 'xyz'), -1);
  assert.equal(call('indexof', 'μx', 'x'), 1);
  assert.equal(call('indexof', '🍧🍨🧁🍰🍮', '🍮'), 4);
  assert.deepEqual(call('indexof_n', 'dogcatdogcat', 'cat'), [3, 9]);
  assert.deepEqual(call('indexof_n', '😇😀😇😀😇😀', '😀'), [1, 3, 5]);
  assert.deepEqual(call('indexof_n', 'aaa', 'aa'), [0, 1]);
  assert.deepEqual(call('indexof_n', 'dogcat', 'rabbit'), []);
  assertBuiltinError(() => call('indexof', 'abc', ''), 'empty search character', 'eval_builtin_error');
  assertBuiltinError(() => call('indexof_n', 'abc', ''), 'empty search character', 'eval_builtin_error');
});

test('substring', () => {
  assert.equal(call('substring', 'abcdefgh', 2, 3), 'cde');
  assert.equal(call('substring', 'åäö', 0, 2), 'åä');
  assert.equal(call('substring', 'aåäö', 2, -1), 'äö');
  assert.equal(call('substring', 'abcdefgh', 2, 10000), 'cdefgh');
  assert.equal(call('substring', 'aaa', 3, -1), '');
  assert.equal(call('substring', 'åäö', 4, -1), '');
  assertBuiltinError(() => call('substring', 'aaa', -1, -1), 'negative offset', 'eval_builtin_error');
  assertBuiltinError(() => call('substring', 'aaa', 1.5, 1), 'operand 2 must be integer number but got floating-point number');
  assertBuiltinError(() => call('substring', 'aaa', 1, '1'), 'operand 3 must be number but got string');
});

test('lower and upper map runes as Go does', () => {
  assert.equal(call('lower', 'AbCdEf'), 'abcdef');
  assert.equal(call('upper', 'AbCdEf'), 'ABCDEF');
  assert.equal(call('upper', 'straße'), 'STRAßE');
  assert.equal(call('lower', 'ΟΔΟΣ'), 'οδοσ');
  assert.equal(call('lower', 'İ'), 'i');
});

test('split', () => {
  assert.deepEqual(call('split', 'foo.bar.baz', '.'), ['foo', 'bar', 'baz']);
  assert.deepEqual(call('split', '', '.'), ['']);
  assert.deepEqual(call('split', 'test', ''), ['t', 'e', 's', 't']);
  assert.deepEqual(call('split', 'a😀b', ''), ['a', '😀', 'b']);
  assert.deepEqual(call('split', '', ''), []);
});

test('replace and strings.replace_n', () => {
  assert.equal(call('replace', 'foo...bar', '..', ',,'), 'foo,,.bar');
  assert.equal(call('replace', '', 'hi', 'bye'), '');
  assert.equal(call('replace', 'abc', '', '-'), '-a-b-c-');
  assert.equal(call('strings.replace_n', { '<': '&lt;', '>': '&gt;' }, 'This is <b>HTML</b>!'), 'This is &lt;b&gt;HTML&lt;/b&gt;!');
  assert.equal(call('strings.replace_n', { f: 'x', foo: 'xxx' }, 'foobar'), 'xoobar');
  assert.equal(call('strings.replace_n', { a: '1', b: '2' }, 'abba'), '1221');
  assert.equal(call('strings.replace_n', {}, 'abc'), 'abc');
  assertBuiltinError(
    () => call('strings.replace_n', makeObject([[2, 'x']]), 'foo'),
    'operand 1 non-string key found in pattern object',
  );
  assertBuiltinError(() => call('strings.replace_n', { f: 100 }, 'foo'), 'operand 1 non-string value found in pattern object');
  assertBuiltinError(() => call('strings.replace_n', { f: 'x' }, 100), 'operand 2 must be string but got number');
  assertBuiltinError(() => call('strings.replace_n', [], 'x'), 'operand 1 must be object but got array');
});

test('strings.reverse and strings.count', () => {
  assert.equal(call('strings.reverse', '1😀𝛾'), '𝛾😀1');
  assert.equal(call('strings.reverse', '2️⃣'), '⃣️2');
  assert.equal(call('strings.count', 'cheese', 'e'), 3);
  assert.equal(call('strings.count', '11111', '11'), 2);
  assert.equal(call('strings.count', 'dummy', ''), 6);
  assert.equal(call('strings.count', 'åä', ''), 3);
  assertBuiltinError(() => call('strings.reverse', 123), 'operand 1 must be string but got number');
});

test('strings.any_prefix_match and strings.any_suffix_match', () => {
  assert.equal(call('strings.any_prefix_match', ['a/b/c', 'e/f/g'], ['x/', 'e/']), true);
  assert.equal(call('strings.any_prefix_match', 'a/b/c', 'a/'), true);
  assert.equal(call('strings.any_prefix_match', new RSet(['a/b/c']), new RSet(['b'])), false);
  assert.equal(call('strings.any_prefix_match', [], ['a']), false);
  assert.equal(call('strings.any_suffix_match', ['a/b/c', 'a/b/d'], ['/d']), true);
  assert.equal(call('strings.any_suffix_match', 'a/b/g', ['/c', '/a']), false);
  assertBuiltinError(
    () => call('strings.any_prefix_match', [1, 2], ['a']),
    'operand 1 must be array of strings but got array containing number',
  );
  assertBuiltinError(() => call('strings.any_prefix_match', 1, ['a']), 'operand 1 must be one of {string, set, array} but got number');
  assertBuiltinError(() => call('strings.any_suffix_match', ['a'], 1), 'operand 2 must be one of {string, set, array} but got number');
});

test('trim family', () => {
  assert.equal(call('trim', '¡¡¡foo, bar!!!', '!¡'), 'foo, bar');
  assert.equal(call('trim', '...foo.bar...', '.fr'), 'oo.ba');
  assert.equal(call('trim_left', '¡¡¡foo, bar!!!', '!¡'), 'foo, bar!!!');
  assert.equal(call('trim_right', '¡¡¡foo, bar!!!', '!¡'), '¡¡¡foo, bar');
  assert.equal(call('trim_prefix', '¡¡¡foo, bar!!!', '¡¡¡foo'), ', bar!!!');
  assert.equal(call('trim_prefix', 'abc', 'x'), 'abc');
  assert.equal(call('trim_suffix', '¡¡¡foo, bar!!!', ', bar!!!'), '¡¡¡foo');
  assert.equal(call('trim_space', ' \t\n foo, bar \n\t\r\n'), 'foo, bar');
  assert.equal(call('trim_space', '\u00a0\u3000x\u2028'), 'x');
  assert.equal(call('trim_space', '\ufeffx'), '\ufeffx');
});

test('sprintf: OPA operand conversion', () => {
  assert.equal(call('sprintf', 'hi', []), 'hi');
  assert.equal(call('sprintf', 'hi %s', ['there']), 'hi there');
  assert.equal(call('sprintf', 'hi %02d', [5]), 'hi 05');
  assert.equal(call('sprintf', 'hi %02X.%02X', [127, 1]), 'hi 7F.01');
  assert.equal(call('sprintf', 'hi %.2f', [3.1415]), 'hi 3.14');
  assert.equal(call('sprintf', 'hi %s', [true]), 'hi true');
  assert.equal(call('sprintf', 'hi %v', [['there', 5, 3.14]]), 'hi ["there", 5, 3.14]');
  assert.equal(call('sprintf', '%v', [{ a: 1, b: [null, false] }]), '{"a": 1, "b": [null, false]}');
  assert.equal(call('sprintf', '%v %v', [new RSet([2, 1]), new RSet()]), '{1, 2} set()');
  assert.equal(call('sprintf', '%v', [makeObject([[1, 'x']])]), '{1: "x"}');
  assert.equal(call('sprintf', '%s', [123456789123456789123n]), '123456789123456789123');
  assert.equal(call('sprintf', '%d', [1208925819614629174706175n]), '1208925819614629174706175');
  assert.equal(call('sprintf', '%x', [1208925819614629174706175n]), 'ffffffffffffffffffff');
  assert.equal(call('sprintf', '%d', [42]), '42');
  assertBuiltinError(() => call('sprintf', '%d', 'x'), 'operand 2 must be array but got string');
  assertBuiltinError(() => call('sprintf', 1, []), 'operand 1 must be string but got number');
});

test("sprintf: Go's error forms", () => {
  assert.equal(call('sprintf', '%d', ['x']), '%!d(string=x)');
  assert.equal(call('sprintf', '%s', [5]), '%!s(int=5)');
  assert.equal(call('sprintf', '%t', [true]), '%!t(string=true)');
  assert.equal(call('sprintf', '%d', [1.5]), '%!d(float64=1.5)');
  assert.equal(call('sprintf', '%f', [10n ** 30n]), '%!f(big.Int=1000000000000000000000000000000)');
  assert.equal(call('sprintf', '%d %d', [1]), '1 %!d(MISSING)');
  assert.equal(call('sprintf', '%d', [1, 'a']), '1%!(EXTRA string=a)');
  assert.equal(call('sprintf', 'x%', []), 'x%!(NOVERB)');
  assert.equal(call('sprintf', '%[3]d', [1]), '%!d(BADINDEX)');
  assert.equal(call('sprintf', '%*d', ['a', 1]), '%!(BADWIDTH)1');
  assert.equal(call('sprintf', '%5t', [3]), '%!t(int=    3)');
});

test('sprintf: integer verbs and flags', () => {
  assert.equal(call('sprintf', '%x %X %o %O %b', [255, 255, 8, 8, 5]), 'ff FF 10 0o10 101');
  assert.equal(call('sprintf', '%#x %#o %#b', [255, 8, 5]), '0xff 010 0b101');
  assert.equal(call('sprintf', '%+d % d %+d', [5, 5, -5]), '+5  5 -5');
  assert.equal(call('sprintf', '%6d|%-6d|%06d|%-06d', [-42, 42, -42, 42]), '   -42|42    |-00042|42    ');
  assert.equal(call('sprintf', '%.3d|%8.3d|%.0d', [7, 7, 0]), '007|     007|');
  assert.equal(call('sprintf', '%c|%q|%U|%#U', [65, 0x1f600, 0x1f600, 65]), "A|'😀'|U+1F600|U+0041 'A'");
  assert.equal(call('sprintf', '%[2]d %[1]d', [1, 2]), '2 1');
  assert.equal(call('sprintf', '%*d|%-*d', [5, 42, 4, 7]), '   42|7   ');
  assert.equal(call('sprintf', '%d%%', [50]), '50%');
  assert.equal(call('sprintf', '%T %T %T %T', [1, 1.5, 's', 10n ** 30n]), 'int float64 string *big.Int');
  assert.equal(call('sprintf', '%08d|%+08d', [10n ** 20n, 10n ** 20n]), '100000000000000000000|+100000000000000000000');
});

test('sprintf: float verbs', () => {
  assert.equal(call('sprintf', '%v %v %v', [3.14, 0.000001, 123456789.5]), '3.14 1e-06 1.234567895e+08');
  assert.equal(call('sprintf', '%e %E', [1234.5678, 0.5]), '1.234568e+03 5.000000E-01');
  assert.equal(call('sprintf', '%g %.3g %G', [0.00001234, 1234.5678, 1e-7]), '1.234e-05 1.23e+03 1E-07');
  assert.equal(call('sprintf', '%8.3f|%-8.3f|%08.3f|%+.2e', [3.14159, 3.14159, -3.14159, 12345.678]), '   3.142|3.142   |-003.142|+1.23e+04');
  assert.equal(call('sprintf', '%.0f %.0f %.0f %.1f %.2f', [0.5, 1.5, 2.5, 0.25, 1.005]), '0 2 2 0.2 1.00');
  assert.equal(call('sprintf', '%5.1f%%', [99.95]), '100.0%');
  assert.equal(call('sprintf', '%10.4v|', [3.14159265]), '     3.142|');
  assert.equal(call('sprintf', '%x %X', [1.5, -0.25]), '0x1.8p+00 -0X1P-02');
  assert.equal(call('sprintf', '%b', [0.5]), '4503599627370496p-53');
  assert.equal(call('sprintf', '%#g %#.3f', [1.5, 2.5]), '1.50000 2.500');
  assert.equal(call('sprintf', '% .2f|%+.1f', [2.5, 2.25]), ' 2.50|+2.2');
});

test('sprintf: string verbs', () => {
  assert.equal(call('sprintf', '%q %#q %+q', ['hé"\n', 'abc', 'hé']), '"hé\\"\\n" `abc` "h\\u00e9"');
  assert.equal(call('sprintf', '%x % x %#X % #x', ['hi', 'hi', 'hi', 'hi']), '6869 68 69 0X6869 0x68 0x69');
  assert.equal(call('sprintf', '%5s|%-5s|%.2s|%05s|%.1s', ['ab', 'ab', 'abcdef', 'ab', 'åä']), '   ab|ab   |ab|   ab|å');
  assert.equal(call('sprintf', '%v|%10v|', ['x', null]), 'x|      null|');
  assert.equal(call('sprintf', '%s', ['\u0000\u00a0']), '\u0000\u00a0');
  assert.equal(call('sprintf', '%v', [['\u00a0', '\u0001', '😀']]), '["\\u00a0", "\\x01", "😀"]');
});

test('strings.render_template', () => {
  assert.equal(call('strings.render_template', '{{.test}}', { test: 'hello world' }), 'hello world');
  assert.equal(call('strings.render_template', '{{.test}}', { test: 2023 }), '2023');
  assert.equal(
    call('strings.render_template', '{{range $i, $name := .hellonames}}{{if $i}},{{end}}hello {{$name}}{{end}}', {
      hellonames: ['rohan', 'john doe'],
    }),
    'hello rohan,hello john doe',
  );
  assert.equal(call('strings.render_template', 'test {{.foo}} {{.bar}} {{.baz}}', { baz: 1 }), 'test <undefined> <undefined> 1');
  assert.equal(call('strings.render_template', '{{.a.b}}|{{.l}}|{{.m}}|{{.n}}', { a: { b: true }, l: [1, 'x'], m: { k: 'v', j: 2 }, n: null }), 'true|[1 x]|map[j:2 k:v]|<no value>');
  assert.equal(call('strings.render_template', '{{if .x}}yes{{else}}no{{end}} {{if .z}}Z{{else if .y}}Y{{end}}', { x: 0, y: 'y', z: '' }), 'yes Y');
  assert.equal(call('strings.render_template', '{{range .xs}}<{{.}}>{{else}}none{{end}}', { xs: [] }), 'none');
  assert.equal(call('strings.render_template', '{{range $k, $v := .m}}{{$k}}={{$v}};{{end}}', { m: { b: 2, a: 1 } }), 'a=1;b=2;');
  assert.equal(call('strings.render_template', '{{with .a}}{{.b}}{{end}}', { a: { b: 'in' } }), 'in');
  assert.equal(call('strings.render_template', '{{- /* comment */ -}}  a  {{- " b " -}}  c', {}), 'a b c');
  assert.equal(call('strings.render_template', '{{len .xs}} {{index .xs 1}} {{printf "%03d" 7}} {{.s | printf "%q"}}', { xs: [1, 2], s: 'q' }), '2 2 007 "q"');
  assert.equal(call('strings.render_template', '{{if and .a (not .b)}}ok{{end}} {{eq .s "x"}} {{or .b "dflt"}}', { a: true, b: false, s: 'x' }), 'ok true dflt');
  assert.equal(call('strings.render_template', '{{$x := "v"}}{{$x}}{{range .xs}}{{if eq . "2"}}{{break}}{{end}}{{.}}{{end}}', { xs: [1, 2, 3] }), 'v1');
  assertBuiltinError(() => call('strings.render_template', '{{.x', {}), 'template: template: unclosed action', 'eval_builtin_error');
  assertBuiltinError(() => call('strings.render_template', '{{nofunc 1}}', {}), 'template: template: function "nofunc" not defined', 'eval_builtin_error');
  assertBuiltinError(() => call('strings.render_template', '{{.x}}', []), 'operand 2 must be object but got array');
});
