// Lexer and parser: AST shapes per construct, error positions, robustness, and the whole OPA v1
// conformance suite (every module, query and input_term must parse).

import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { parse as parseYaml } from 'yaml';
import type { Expr, Module, Rule } from '../../src/rego/ast.js';
import { RegoError } from '../../src/rego/errors.js';
import { tokenize } from '../../src/rego/lexer.js';
import { parseModule, parseQuery, parseTerm } from '../../src/rego/parser/index.js';

// ---- helpers ----

/** Drops locations so shapes can be compared. */
function strip(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(strip);
  if (x !== null && typeof x === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) if (k !== 'loc' && v !== undefined) out[k] = strip(v);
    return out;
  }
  return x;
}

const mod = (src: string): Module => parseModule(src, 'test.rego');
const rules = (src: string): Rule[] => mod(`package test\n${src}`).rules;
const rule = (src: string): Rule => rules(src)[0];
const term = (src: string): unknown => strip(parseTerm(src));
const body = (src: string): unknown => strip(parseQuery(src));
const expr = (src: string): Expr => parseQuery(src)[0];

const v = (name: string) => ({ type: 'var', name });
const s = (value: string) => ({ type: 'string', value });
const n = (raw: string) => ({ type: 'number', value: Number(raw), raw });
const call = (name: string, ...args: unknown[]) => ({ type: 'call', name, operator: v(name), args });
const ref = (head: unknown, ...path: unknown[]) => ({ type: 'ref', head, path });
const member = (k: string, ...args: unknown[]) => ({
  type: 'call',
  name: `internal.${k}`,
  operator: ref(v('internal'), s(k)),
  args,
});
const texpr = (t: unknown) => ({ kind: 'term', term: t, negated: false, with: [] });

/** Asserts a rego_parse_error at row:col whose message contains `text`. */
function parseError(f: () => unknown, row: number, col: number, text?: string): void {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof RegoError, `expected RegoError, got ${String(e)}`);
    assert.equal(e.code, 'rego_parse_error');
    assert.deepEqual([e.location?.row, e.location?.col], [row, col], e.message);
    if (text !== undefined) assert.ok(e.detail.includes(text), `"${e.detail}" should contain "${text}"`);
    return;
  }
  assert.fail('expected a parse error');
}

// ---- lexer ----

describe('lexer', () => {
  it('gives tokens positions and whitespace/newline flags', () => {
    const { tokens } = tokenize('a.b\n  x := 1', 'f.rego');
    assert.deepEqual(
      tokens.map((t) => [t.t, t.text, t.row, t.col, t.start, t.ws, t.nl]),
      [
        ['ident', 'a', 1, 1, 0, false, false],
        ['.', '.', 1, 2, 1, false, false],
        ['ident', 'b', 1, 3, 2, false, false],
        ['ident', 'x', 2, 3, 6, true, true],
        [':=', ':=', 2, 5, 8, true, false],
        ['number', '1', 2, 8, 11, true, false],
        ['eof', '', 2, 9, 12, false, false],
      ],
    );
  });

  it('decodes Go string escapes, including surrogate pairs', () => {
    const { tokens } = tokenize(String.raw`"a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00"`, 'f');
    assert.equal(tokens[0].value, 'a"b\\c/d\b\f\n\r\t\u00e9\u{1f600}');
  });

  it('keeps raw strings verbatim across lines and counts their lines', () => {
    const { tokens } = tokenize('`a\\n\nb` x', 'f');
    assert.equal(tokens[0].value, 'a\\n\nb');
    assert.equal(tokens[0].raw, true);
    assert.deepEqual([tokens[1].row, tokens[1].col], [2, 4]);
  });

  it('keeps number text as written', () => {
    const { tokens } = tokenize('0 12 1.50 1e3 2.5E-7 0.1e+2', 'f');
    assert.deepEqual(
      tokens.slice(0, -1).map((t) => [t.t, t.text]),
      ['0', '12', '1.50', '1e3', '2.5E-7', '0.1e+2'].map((x) => ['number', x]),
    );
  });

  it('collects comments with their text after #', () => {
    const { tokens, comments } = tokenize('# one\nx # two\r\n#', 'f');
    assert.deepEqual(
      comments.map((c) => [c.text, c.loc.row, c.loc.col]),
      [
        [' one', 1, 1],
        [' two', 2, 3],
        ['', 3, 1],
      ],
    );
    assert.deepEqual(tokens.map((t) => t.t), ['ident', 'eof']);
  });

  it('recognises every operator', () => {
    const { tokens } = tokenize(':= = == != < <= > >= + - * / % | & , ; : . ( ) [ ] { }', 'f');
    assert.deepEqual(
      tokens.slice(0, -1).map((t) => t.t),
      ':= = == != < <= > >= + - * / % | & , ; : . ( ) [ ] { }'.split(' '),
    );
  });

  it('splits template strings around embedded expressions', () => {
    const { tokens } = tokenize('$"a\\{ {x} {{1}} b"', 'f');
    assert.deepEqual(
      tokens.map((t) => [t.t, t.value, t.open, t.cont]),
      [
        ['tmpl', 'a{ ', true, false],
        ['ident', undefined, false, false],
        ['tmpl', ' ', true, true],
        ['{', undefined, false, false],
        ['number', undefined, false, false],
        ['}', undefined, false, false],
        ['tmpl', ' b', false, true],
        ['eof', undefined, false, false],
      ],
    );
  });

  it('reports lexical errors at their position', () => {
    parseError(() => tokenize('x := "abc\ny', 'f'), 1, 6, 'non-terminated string');
    parseError(() => tokenize('x := `abc', 'f'), 1, 6, 'non-terminated string');
    parseError(() => tokenize('  "\\x"', 'f'), 1, 4, 'illegal escape sequence');
    parseError(() => tokenize('x := 01', 'f'), 1, 6, 'leading zero');
    parseError(() => tokenize('x := 1.', 'f'), 1, 8, 'expected fraction');
    parseError(() => tokenize('x := 1e+', 'f'), 1, 9, 'expected exponent');
    parseError(() => tokenize('x := 12ab', 'f'), 1, 6, 'illegal number format');
    parseError(() => tokenize('\n x != !y', 'f'), 2, 7, 'illegal ! character');
    parseError(() => tokenize('x := $y', 'f'), 1, 6, 'illegal $ character');
    parseError(() => tokenize('x := $"{y"', 'f'), 1, 10, 'non-terminated string');
  });
});

// ---- terms ----

describe('terms', () => {
  it('scalars', () => {
    assert.deepEqual(term('null'), { type: 'null' });
    assert.deepEqual(term('true'), { type: 'boolean', value: true });
    assert.deepEqual(term('false'), { type: 'boolean', value: false });
    assert.deepEqual(term('"a\\tb"'), s('a\tb'));
    assert.deepEqual(term('`a\\tb`'), { type: 'string', value: 'a\\tb', raw: true });
    assert.deepEqual(term('_'), v('_'));
  });

  it('numbers keep their text; negative literals are numbers', () => {
    assert.deepEqual(term('1.50'), n('1.50'));
    assert.deepEqual(term('-1'), n('-1'));
    assert.deepEqual(term('- 2.5e3'), n('-2.5e3'));
    assert.deepEqual(term('.5'), n('.5'));
    const big = parseTerm('123456789012345678901234567890') as { value: unknown; raw: string };
    assert.equal(big.value, 123456789012345678901234567890n);
    // Beyond float64: accepted (as OPA does), the exact text stays in raw.
    assert.equal((parseTerm('2e308') as { raw: string }).raw, '2e308');
    parseError(() => parseTerm('1e999999'), 1, 1, 'number too big');
  });

  it('refs with dots, brackets and keyword segments', () => {
    assert.deepEqual(term('a.b[c]["d"][0]'), ref(v('a'), s('b'), v('c'), s('d'), n('0')));
    assert.deepEqual(term('data.foo.contains.in'), ref(v('data'), s('foo'), s('contains'), s('in')));
    assert.deepEqual(term('input'), v('input'));
    assert.deepEqual(term('x[y + 1]'), ref(v('x'), call('plus', v('y'), n('1'))));
  });

  it('refs from composite terms and calls', () => {
    assert.deepEqual(term('[1, 2][0]'), ref({ type: 'array', items: [n('1'), n('2')] }, n('0')));
    assert.deepEqual(term('{"a": 1}.a'), ref({ type: 'object', entries: [[s('a'), n('1')]] }, s('a')));
    assert.deepEqual(term('f(x).y'), ref(call('f', v('x')), s('y')));
    assert.deepEqual(term('f(x)[0]'), ref(call('f', v('x')), n('0')));
  });

  it('a ref needs no gap: `a .b` and `a [0]` are not refs', () => {
    assert.deepEqual(body('a\n[0]'), [texpr(v('a')), texpr({ type: 'array', items: [n('0')] })]);
    parseError(() => parseQuery('a.b .c'), 1, 5, 'unexpected . token');
    parseError(() => parseQuery('x := "abc"[0]'), 1, 6, 'illegal ref (head cannot be string)');
  });

  it('collections', () => {
    assert.deepEqual(term('[]'), { type: 'array', items: [] });
    assert.deepEqual(term('[1, "a",]'), { type: 'array', items: [n('1'), s('a')] });
    assert.deepEqual(term('{}'), { type: 'object', entries: [] });
    assert.deepEqual(term('set()'), { type: 'set', items: [] });
    assert.deepEqual(term('{1, 2}'), { type: 'set', items: [n('1'), n('2')] });
    assert.deepEqual(term('{1: "a", [1]: 2}'), {
      type: 'object',
      entries: [
        [n('1'), s('a')],
        [{ type: 'array', items: [n('1')] }, n('2')],
      ],
    });
    assert.deepEqual(term('{"foo": {{1}}}'), {
      type: 'object',
      entries: [[s('foo'), { type: 'set', items: [{ type: 'set', items: [n('1')] }] }]],
    });
    assert.deepEqual(term('{a + 1: b * 2}'), { type: 'object', entries: [[call('plus', v('a'), n('1')), call('mul', v('b'), n('2'))]] });
  });

  it('comprehensions, with ; or newlines in the body', () => {
    const xs = { kind: 'assign', left: v('x'), right: n('1'), negated: false, with: [] };
    const ys = { kind: 'assign', left: v('y'), right: n('2'), negated: false, with: [] };
    assert.deepEqual(term('[x | x := 1; y := 2]'), { type: 'arraycompr', term: v('x'), body: [xs, ys] });
    assert.deepEqual(term('{x | x := 1\n y := 2}'), { type: 'setcompr', term: v('x'), body: [xs, ys] });
    assert.deepEqual(term('{x: y | x := 1; y := 2}'), { type: 'objectcompr', key: v('x'), value: v('y'), body: [xs, ys] });
  });

  it('prefers a comprehension for `x | y`, and falls back to `or` when it cannot be one', () => {
    assert.deepEqual(term('{a | b}'), { type: 'setcompr', term: v('a'), body: [texpr(v('b'))] });
    assert.deepEqual(term('{a | b, c}'), { type: 'set', items: [call('or', v('a'), v('b')), v('c')] });
    assert.deepEqual(term('[a | b, c]'), { type: 'array', items: [call('or', v('a'), v('b')), v('c')] });
  });

  it('calls', () => {
    assert.deepEqual(term('count(x)'), call('count', v('x')));
    assert.deepEqual(term('f()'), call('f'));
    assert.deepEqual(term('data.lib.f(x, 1)'), {
      type: 'call',
      name: 'data.lib.f',
      operator: ref(v('data'), s('lib'), s('f')),
      args: [v('x'), n('1')],
    });
    assert.deepEqual(term('a.b.c(x)'), { type: 'call', name: 'a.b.c', operator: ref(v('a'), s('b'), s('c')), args: [v('x')] });
    assert.deepEqual(term('contains("abc", "b")'), call('contains', s('abc'), s('b')));
    parseError(() => parseTerm('f(x)(y)'), 1, 1, 'illegal call');
  });

  it('template strings', () => {
    assert.deepEqual(term('$"a {x} b {1 + 2}"'), {
      type: 'template',
      parts: ['a ', v('x'), ' b ', call('plus', n('1'), n('2'))],
    });
    assert.deepEqual(term('$""'), { type: 'template', parts: [] });
    assert.deepEqual(term('$"\\{42} \\t"'), { type: 'template', parts: ['{42} \t'] });
    assert.deepEqual(term('$`a\n{x}\\{`'), { type: 'template', parts: ['a\n', v('x'), '{'] });
    assert.deepEqual(term('$"{$"{a}"} {{1}}"'), {
      type: 'template',
      parts: [{ type: 'template', parts: [v('a')] }, ' ', { type: 'set', items: [n('1')] }],
    });
    assert.deepEqual(term('$"{[x | x := 1]}"'), {
      type: 'template',
      parts: [{ type: 'arraycompr', term: v('x'), body: [{ kind: 'assign', left: v('x'), right: n('1'), negated: false, with: [] }] }],
    });
  });

  it('template strings keep `with` of embedded expressions', () => {
    const t = parseTerm('$"foo {a with input as 1}"') as { parts: unknown[]; with?: Record<number, unknown[]> };
    assert.deepEqual(strip(t.parts), ['foo ', v('a')]);
    assert.deepEqual(strip(t.with), { 1: [{ target: v('input'), value: n('1') }] });
  });

  it('rejects statements inside template strings', () => {
    parseError(() => parseTerm('$"{x = 1}"'), 1, 4, "unification ('=')");
    parseError(() => parseTerm('$"{x := 1}"'), 1, 4, "assignment (':=')");
    parseError(() => parseTerm('$"{not x}"'), 1, 4, "negation ('not')");
    parseError(() => parseTerm('$"{some x in y}"'), 1, 4, "'some'");
    parseError(() => parseTerm('$"{x; y}"'), 1, 5, 'expected } to end template string');
  });
});

// ---- operators ----

describe('operators', () => {
  it('map to OPA builtins', () => {
    const ops: [string, string][] = [
      ['==', 'equal'], ['!=', 'neq'], ['<', 'lt'], ['<=', 'lte'], ['>', 'gt'], ['>=', 'gte'],
      ['+', 'plus'], ['-', 'minus'], ['*', 'mul'], ['/', 'div'], ['%', 'rem'], ['|', 'or'], ['&', 'and'],
    ];
    for (const [op, name] of ops) assert.deepEqual(term(`a ${op} b`), call(name, v('a'), v('b')), op);
  });

  it('bind as in OPA: in < comparisons < | < & < + - < * / %', () => {
    assert.deepEqual(term('a + b * c'), call('plus', v('a'), call('mul', v('b'), v('c'))));
    assert.deepEqual(term('a * b - c'), call('minus', call('mul', v('a'), v('b')), v('c')));
    assert.deepEqual(term('a | b & c'), call('or', v('a'), call('and', v('b'), v('c'))));
    assert.deepEqual(term('a & b + c'), call('and', v('a'), call('plus', v('b'), v('c'))));
    assert.deepEqual(term('a == b | c'), call('equal', v('a'), call('or', v('b'), v('c'))));
    assert.deepEqual(term('a + 1 in s'), member('member_2', call('plus', v('a'), n('1')), v('s')));
    assert.deepEqual(term('x in s == true'), member('member_2', v('x'), call('equal', v('s'), { type: 'boolean', value: true })));
  });

  it('are left-associative', () => {
    assert.deepEqual(term('a - b - c'), call('minus', call('minus', v('a'), v('b')), v('c')));
    assert.deepEqual(term('a / b / c'), call('div', call('div', v('a'), v('b')), v('c')));
    assert.deepEqual(term('a == b != c'), call('neq', call('equal', v('a'), v('b')), v('c')));
  });

  it('parentheses group', () => {
    assert.deepEqual(term('(a + b) * c'), call('mul', call('plus', v('a'), v('b')), v('c')));
    assert.deepEqual(term('(x)[0]'), ref(v('x'), n('0')));
  });

  it('minus before a number is a literal; before anything else OPA rejects it', () => {
    assert.deepEqual(term('a - -1'), call('minus', v('a'), n('-1')));
    assert.deepEqual(term('a -1'), call('minus', v('a'), n('1')));
    parseError(() => parseTerm('-x'), 1, 2, 'expected number');
  });

  it('membership: x in xs, k, v in xs (not inside lists)', () => {
    assert.deepEqual(body('x in xs'), [texpr(member('member_2', v('x'), v('xs')))]);
    assert.deepEqual(body('k, v in xs'), [texpr(member('member_3', v('k'), v('v'), v('xs')))]);
    assert.deepEqual(term('f(k, v in xs)'), call('f', v('k'), member('member_2', v('v'), v('xs'))));
    assert.deepEqual(term('[k, v in xs]'), { type: 'array', items: [v('k'), member('member_2', v('v'), v('xs'))] });
  });

  it('an expression continues over line breaks after (or before) an operator', () => {
    assert.deepEqual(body('x := 1 +\n  2'), [{ kind: 'assign', left: v('x'), right: call('plus', n('1'), n('2')), negated: false, with: [] }]);
    assert.deepEqual(body('x := [\n1,\n2,\n]'), [{ kind: 'assign', left: v('x'), right: { type: 'array', items: [n('1'), n('2')] }, negated: false, with: [] }]);
  });
});

// ---- expressions ----

describe('expressions', () => {
  it('unify, assign (with patterns), terms', () => {
    assert.deepEqual(body('a = b'), [{ kind: 'unify', left: v('a'), right: v('b'), negated: false, with: [] }]);
    assert.deepEqual(body('[a, b] := x'), [
      { kind: 'assign', left: { type: 'array', items: [v('a'), v('b')] }, right: v('x'), negated: false, with: [] },
    ]);
    assert.deepEqual(body('{"k": a} := x'), [
      { kind: 'assign', left: { type: 'object', entries: [[s('k'), v('a')]] }, right: v('x'), negated: false, with: [] },
    ]);
    assert.deepEqual(body('print("x", 1)'), [texpr(call('print', s('x'), n('1')))]);
  });

  it('separators: ; and newlines; anything else is an error', () => {
    assert.equal(parseQuery('a; b\nc # comment\n\n d').length, 4);
    parseError(() => parseQuery('x := 1 y := 2'), 1, 8, 'expected \\n or ;');
    parseError(() => parseQuery('x := 1;'), 1, 8, 'expected term');
    parseError(() => parseQuery(''), 1, 1, 'found empty body');
  });

  it('not', () => {
    const e = expr('not x == 1');
    assert.equal(e.negated, true);
    assert.deepEqual(strip(e), { kind: 'term', term: call('equal', v('x'), n('1')), negated: true, with: [] });
    parseError(() => parseQuery('not not x'), 1, 5, 'expected term');
    parseError(() => parseQuery('not some x in y'), 1, 5, "illegal negation of 'some'");
  });

  it('some declarations and some-in', () => {
    assert.deepEqual(body('some x, y'), [{ kind: 'some', vars: [v('x'), v('y')], negated: false, with: [] }]);
    assert.deepEqual(body('some x in xs'), [{ kind: 'somein', value: v('x'), collection: v('xs'), negated: false, with: [] }]);
    assert.deepEqual(body('some k, [a, b] in xs'), [
      { kind: 'somein', key: v('k'), value: { type: 'array', items: [v('a'), v('b')] }, collection: v('xs'), negated: false, with: [] },
    ]);
    parseError(() => parseQuery('some 1'), 1, 6, 'expected var');
    parseError(() => parseQuery('some x in }'), 1, 11, 'expected term');
  });

  it('every', () => {
    assert.deepEqual(body('every x in xs { x > 0 }'), [
      { kind: 'every', value: v('x'), domain: v('xs'), body: [texpr(call('gt', v('x'), n('0')))], negated: false, with: [] },
    ]);
    assert.deepEqual(strip(expr('every k, v in xs { true }')), {
      kind: 'every',
      key: v('k'),
      value: v('v'),
      domain: v('xs'),
      body: [texpr({ type: 'boolean', value: true })],
      negated: false,
      with: [],
    });
    parseError(() => parseQuery('every x in xs'), 1, 14, 'missing body');
    parseError(() => parseQuery('every [x] in xs { true }'), 1, 7, 'expected value to be a variable');
    parseError(() => parseQuery('every x { true }'), 1, 7, 'expected `x[, y] in xs');
  });

  it('with modifiers, several per expression, on any expression kind', () => {
    assert.deepEqual(strip(expr('x := f(1) with input as {"a": 1} with data.x.y as 1 with time.now_ns as g').with), [
      { target: v('input'), value: { type: 'object', entries: [[s('a'), n('1')]] } },
      { target: ref(v('data'), s('x'), s('y')), value: n('1') },
      { target: ref(v('time'), s('now_ns')), value: v('g') },
    ]);
    assert.equal(expr('not p with input as 1').with.length, 1);
    assert.equal(expr('some x in y with input as 1').with.length, 1);
    assert.equal(expr('every x in y { x } with input as 1').with.length, 1);
    parseError(() => parseQuery('x with input'), 1, 13, 'expected as keyword');
    parseError(() => parseQuery('x with 1 as 2'), 1, 8, 'expected with target path');
  });

  it('keywords as the first segment of a ref (keywordrefs)', () => {
    assert.deepEqual(body('x := 1\nin.foo == 1'), [
      { kind: 'assign', left: v('x'), right: n('1'), negated: false, with: [] },
      texpr(call('equal', ref(v('in'), s('foo')), n('1'))),
    ]);
    assert.deepEqual(body('not.foo'), [texpr(ref(v('not'), s('foo')))]);
    assert.deepEqual(body('true.foo(1) == null[0]'), [texpr(call('equal', { type: 'call', name: 'true.foo', operator: ref(v('true'), s('foo')), args: [n('1')] }, ref(v('null'), n('0'))))]);
    assert.deepEqual(body('some.foo'), [texpr(ref(v('some'), s('foo')))]);
  });
});

// ---- rules ----

describe('rules', () => {
  const head = (src: string) => strip(rule(src).head) as { ref: unknown };

  it('constants: := and =', () => {
    assert.deepEqual(head('p := 1'), { ref: [v('p')], value: n('1'), assign: true, contains: false });
    assert.deepEqual(head('p = 1'), { ref: [v('p')], value: n('1'), assign: false, contains: false });
    assert.deepEqual(rule('p := 1').body, []);
  });

  it('bodies after if: braces, single expression, value true', () => {
    const r = rule('p if {\n  input.x == 1\n  true\n}');
    assert.deepEqual(strip(r.head), { ref: [v('p')], assign: false, contains: false });
    assert.equal(r.body.length, 2);
    assert.deepEqual(strip(rule('allow if input.x == 1').body), [texpr(call('equal', ref(v('input'), s('x')), n('1')))]);
    assert.deepEqual(strip(rule('p := v if { v := 1 }').head.value), v('v'));
    assert.equal(rule('p if not q').body[0].negated, true);
    assert.equal(rule('p if some x in y').body[0].kind, 'somein');
    assert.equal(rule('p if every x in y { x }').body[0].kind, 'every');
    assert.deepEqual(strip(rule('p if { x }').body), [texpr(v('x'))]);
    // As in OPA, a braced term that is not a plain set is an expression.
    assert.deepEqual(strip(rule('p if {"a": 1}').body), [texpr({ type: 'object', entries: [[s('a'), n('1')]] })]);
    assert.deepEqual(strip(rule('p if {1} == {1}').body), [texpr(call('equal', { type: 'set', items: [n('1')] }, { type: 'set', items: [n('1')] }))]);
  });

  it('default rules and default functions', () => {
    const r = rule('default p := false');
    assert.equal(r.isDefault, true);
    assert.deepEqual(strip(r.head), { ref: [v('p')], value: { type: 'boolean', value: false }, assign: true, contains: false });
    assert.deepEqual(strip(rule('default f(_) := 1').head), { ref: [v('f')], args: [v('_')], value: n('1'), assign: true, contains: false });
    assert.deepEqual(strip(rule('default p := [x | x := 1]').head.value), {
      type: 'arraycompr',
      term: v('x'),
      body: [{ kind: 'assign', left: v('x'), right: n('1'), negated: false, with: [] }],
    });
    parseError(() => rules('default p := input.x'), 2, 1, 'illegal default rule (value cannot contain ref)');
    parseError(() => rules('default p'), 2, 1, 'must have a value');
    parseError(() => rules('default f(x, x) := 1'), 2, 1, 'cannot be repeated');
    parseError(() => rules('default f(1) := 1'), 2, 1, 'arguments cannot contain number');
  });

  it('else chains', () => {
    const r = rule('p := 1 if { false } else := 2 if { input.x } else = 3');
    assert.deepEqual(strip(r.else), {
      value: n('2'),
      assign: true,
      body: [texpr(ref(v('input'), s('x')))],
      else: { value: n('3'), assign: false, body: [] },
    });
    const bare = rule('p if { false } else { true }');
    assert.deepEqual(strip(bare.else), { assign: false, body: [texpr({ type: 'boolean', value: true })] });
    assert.deepEqual(strip(rule('f(x) := 1 if x > 0 else := 2').else), { value: n('2'), assign: true, body: [] });
    assert.deepEqual(strip(rule('p := 1 if false else := 2 if true').else?.body), [texpr({ type: 'boolean', value: true })]);
  });

  it('else is refused where OPA refuses it', () => {
    parseError(() => rules('p[x] := 1 if { x := 1 } else := 2'), 2, 25, 'variables in head');
    parseError(() => rules('p contains 1 if { true } else := 2'), 2, 26, 'multi-value');
    parseError(() => rules('p := 1 if false else'), 2, 21, 'expected else value term or rule body');
  });

  it('multi-value rules with contains', () => {
    assert.deepEqual(head('p contains x if { x := 1 }'), { ref: [v('p')], key: v('x'), assign: false, contains: true });
    const r = rule('p contains "a"');
    assert.deepEqual(strip(r.head), { ref: [v('p')], key: s('a'), assign: false, contains: true });
    assert.deepEqual(r.body, []);
    assert.deepEqual(head('a.b contains x if x := 1'), { ref: [v('a'), s('b')], key: v('x'), assign: false, contains: true });
  });

  it('ref heads', () => {
    assert.deepEqual(head('p[k] := v if { k := 1; v := 2 }'), { ref: [v('p'), v('k')], value: v('v'), assign: true, contains: false });
    assert.deepEqual(head('a.b[c].d := v if { c := 1; v := 2 }'), {
      ref: [v('a'), s('b'), v('c'), s('d')],
      value: v('v'),
      assign: true,
      contains: false,
    });
    assert.deepEqual(head('p.q.r if true'), { ref: [v('p'), s('q'), s('r')], assign: false, contains: false });
    // v1: p[x] if ... is a ref-head rule with value true, not a partial set.
    assert.deepEqual(head('p[x] if x := 1'), { ref: [v('p'), v('x')], assign: false, contains: false });
    assert.deepEqual(head('p["a-b"] := 1'), { ref: [v('p'), s('a-b')], value: n('1'), assign: true, contains: false });
  });

  it('keywords in rule names', () => {
    assert.deepEqual(head('foo.as := 2').ref, [v('foo'), s('as')]);
    assert.deepEqual(head('as.foo := 1').ref, [v('as'), s('foo')]);
    assert.deepEqual(head('else.foo contains "a"').ref, [v('else'), s('foo')]);
    assert.deepEqual(head('default.foo(x) := x if x').ref, [v('default'), s('foo')]);
    assert.deepEqual(head('default if.foo(_) := 42').ref, [v('if'), s('foo')]);
    assert.deepEqual(head('x.if if true').ref, [v('x'), s('if')]);
    assert.deepEqual(head('package.foo := 1').ref, [v('package'), s('foo')]);
    assert.deepEqual(head('import.foo := 1').ref, [v('import'), s('foo')]);
  });

  it('functions', () => {
    assert.deepEqual(head('f(x) := y if { y := x }'), { ref: [v('f')], args: [v('x')], value: v('y'), assign: true, contains: false });
    assert.deepEqual(head('f(x, [a, b]) := a'), {
      ref: [v('f')],
      args: [v('x'), { type: 'array', items: [v('a'), v('b')] }],
      value: v('a'),
      assign: true,
      contains: false,
    });
    assert.deepEqual(head('f(x) if x'), { ref: [v('f')], args: [v('x')], assign: false, contains: false });
    assert.deepEqual(head('f(1) := 2'), { ref: [v('f')], args: [n('1')], value: n('2'), assign: true, contains: false });
    assert.deepEqual(head('a.b.f(x) := 1'), { ref: [v('a'), s('b'), s('f')], args: [v('x')], value: n('1'), assign: true, contains: false });
    assert.equal(rules('f(1) := 2\nf(2) := 3\nf(x) := x if x > 2').length, 3);
    parseError(() => rules('f(x) contains 1'), 2, 6, 'contains keyword can only be used');
  });

  it('rules follow each other with or without blank lines; chained bodies give several rules', () => {
    assert.equal(rules('p := 1\nq := 2\n\n\nr if { true }').length, 3);
    const rs = rules('p if { false } { true }');
    assert.equal(rs.length, 2);
    assert.equal(rs[1].head, rs[0].head);
  });

  it('rule locations and end offsets', () => {
    const m = mod('package test\n\np := 1 if {\n  true\n}\n');
    const r = m.rules[0];
    assert.deepEqual(r.loc, { file: 'test.rego', row: 3, col: 1, offset: 14 });
    assert.equal(m.source.slice(r.loc.offset, r.end), 'p := 1 if {\n  true\n}');
  });

  it('rejects v0-only syntax', () => {
    parseError(() => rules('p { true }'), 2, 1, '`if` keyword is required before rule body');
    parseError(() => rules('p[x] { x := 1 }'), 2, 1, '`if` keyword is required');
    parseError(() => rules('p = 1 { true }'), 2, 1, '`if` keyword is required');
    parseError(() => rules('f(x) = y { y := x }'), 2, 1, '`if` keyword is required');
    parseError(() => rules('p[x]'), 2, 1, '`contains` keyword is required for partial set rules');
    parseError(() => rules('p.q[x]'), 2, 1, '`contains` keyword is required');
    parseError(() => rules('p'), 2, 2, 'expected := or = or if or contains');
  });

  it('rule body errors point at the offending token', () => {
    parseError(() => rules('p if'), 2, 5, 'expected rule body after if');
    parseError(() => rules('p if {\n  x := \n}'), 4, 1, 'unexpected } token: expected term');
    parseError(() => rules('p if { }'), 2, 8, 'found empty body');
    parseError(() => rules('p if {\n  x := 1 y\n}'), 3, 10, 'expected \\n or ; or }');
    parseError(() => rules('p := 1 if {\n  true\n'), 4, 1, 'eof');
    parseError(() => rules('p := }'), 2, 6, 'expected term');
  });
});

// ---- package and imports ----

describe('package and imports', () => {
  it('package paths, with keywords and bracketed segments', () => {
    assert.deepEqual(mod('package a.b.c').package.path, ['a', 'b', 'c']);
    assert.deepEqual(mod('package foo.as.bar').package.path, ['foo', 'as', 'bar']);
    assert.deepEqual(mod('package a["b-c"].d').package.path, ['a', 'b-c', 'd']);
    assert.deepEqual(mod('\n  package x').package.loc, { file: 'test.rego', row: 2, col: 3, offset: 3 });
    parseError(() => mod('p := 1'), 1, 1, 'expected package');
    parseError(() => mod('package a[x]'), 1, 11, 'expecting string');
    parseError(() => mod('package a\npackage b'), 2, 1, 'package must be the first statement');
  });

  it('imports', () => {
    const m = mod(
      'package p\nimport data.x.y\nimport data.x as z\nimport input.a\nimport rego.v1\nimport future.keywords\nimport future.keywords.in\nimport data.foo.as.bar\nimport input',
    );
    assert.deepEqual(strip(m.imports), [
      { path: ref(v('data'), s('x'), s('y')) },
      { path: ref(v('data'), s('x')), alias: 'z' },
      { path: ref(v('input'), s('a')) },
      { path: ref(v('rego'), s('v1')) },
      { path: ref(v('future'), s('keywords')) },
      { path: ref(v('future'), s('keywords'), s('in')) },
      { path: ref(v('data'), s('foo'), s('as'), s('bar')) },
      { path: v('input') },
    ]);
    assert.deepEqual(m.imports[1].loc, { file: 'test.rego', row: 3, col: 1, offset: 26 });
  });

  it('import errors', () => {
    parseError(() => mod('package p\nimport foo.bar'), 2, 8, 'must begin with one of');
    parseError(() => mod('package p\nimport data.x.in'), 2, 8, 'must not end with a keyword');
    parseError(() => mod('package p\nimport rego.v2'), 2, 8, 'must be `rego.v1`');
    parseError(() => mod('package p\nimport future.keywords.foo'), 2, 8, 'unexpected keyword');
    parseError(() => mod('package p\nimport data.x as 1'), 2, 18, 'expected var');
  });

  it('keeps all comments', () => {
    const m = mod('# top\npackage p # pkg\n\np := 1 # one\n');
    assert.deepEqual(m.comments.map((c) => [c.text, c.loc.row, c.loc.col]), [
      [' top', 1, 1],
      [' pkg', 2, 11],
      [' one', 4, 8],
    ]);
  });
});

// ---- METADATA ----

describe('METADATA annotations', () => {
  const src = `# METADATA
# description: The Rego test suite
package testing

# METADATA
# title: Testing annotations
# authors:
# - The OPA contributors
# - Jane Doe <jane@example.com>
# related_resources:
# - https://example.com
# custom:
#   severity: high
# not_an_opa_key: dropped
p := x if {
	x := 1
}

# METADATA
# scope: document
# entrypoint: true
q := 1

# just a comment
r := 2
`;

  it('attaches blocks to the package and to rules, with OPA defaults and normal forms', () => {
    const m = parseModule(src, 'test-0.rego');
    assert.deepEqual(m.package.annotations, {
      scope: 'package',
      data: { description: 'The Rego test suite', scope: 'package' },
      loc: { file: 'test-0.rego', row: 1, col: 1, offset: 0 },
    });
    const [p, q, r] = m.rules;
    assert.equal(p.annotations?.scope, 'rule');
    assert.deepEqual(p.annotations?.data, {
      scope: 'rule',
      title: 'Testing annotations',
      authors: [{ name: 'The OPA contributors' }, { name: 'Jane Doe', email: 'jane@example.com' }],
      related_resources: [{ ref: 'https://example.com' }],
      custom: { severity: 'high' },
    });
    assert.deepEqual(p.annotations?.loc.row, 5);
    assert.deepEqual(q.annotations?.data, { scope: 'document', entrypoint: true });
    assert.equal(r.annotations, undefined);
  });

  it('reports bad blocks as parse errors', () => {
    parseError(() => mod('package p\n# METADATA\n# scope: package\np := 1'), 2, 1, "scope 'package' must be applied to package");
    parseError(() => mod('package p\n# METADATA\np := 1'), 2, 1, 'expected METADATA block');
    parseError(() => mod('package p\n# METADATA\n# title: [\np := 1'), 3, 1, 'yaml');
    parseError(() => mod('package p\n# METADATA\n# scope: nope\np := 1'), 2, 1, 'invalid annotation scope');
  });
});

// ---- robustness ----

describe('robustness', () => {
  it('deep nesting is a parse error, not a stack overflow', () => {
    for (const [open, close] of [['[', ']'], ['{', '}'], ['(', ')'], ['f(', ')'], ['[a|', ']'], ['$"{', '}"'], ['x[', ']']]) {
      const ok = open.repeat(200) + '1' + close.repeat(200);
      parseQuery(`x := ${ok}`);
      const deep = open.repeat(100_000) + '1' + close.repeat(100_000);
      assert.throws(
        () => parseQuery(`x := ${deep}`),
        (e: unknown) => e instanceof RegoError && e.code === 'rego_parse_error' && e.detail === 'nesting too deep',
        open,
      );
    }
  });

  it('long flat chains are fine', () => {
    parseQuery('x := 1' + ' + 1'.repeat(50_000));
    parseModule('package p\np := 1 if false' + ' else := 1 if false'.repeat(20_000), 'f');
  });

  it('failed comprehension guesses do not blow up (nested fallbacks stay linear)', () => {
    const t0 = performance.now();
    assert.throws(() => parseTerm('[a|'.repeat(900) + 'b' + ']'.repeat(899)), RegoError);
    assert.ok(performance.now() - t0 < 2000);
  });

  it('never throws anything but a RegoError (fuzzed input)', () => {
    const pieces = [
      'package p\n', 'p', ' if ', '{', '}', '[', ']', '(', ')', ':=', '=', '==', '|', '&', ',', ';', '\n', 'x', '1', '-',
      '.', '"s"', '`r`', '$"', '{x}', 'some ', 'every ', ' in ', 'not ', 'with ', ' as ', 'else', 'contains', 'default ',
      'import ', '#c\n', '"', '`', '\\', '_', 'set()', '.5', 'e', '\u00e9', '\u0000',
    ];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 40 }), (parts) => {
        const src = parts.join('');
        for (const f of [() => parseModule(src, 'f'), () => parseQuery(src), () => parseTerm(src)]) {
          try {
            f();
          } catch (e) {
            if (!(e instanceof RegoError)) throw e;
          }
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('parses a 5,000-line policy quickly', () => {
    const block = (i: number) => `
# rule ${i}
allow_${i} if {
	input.user.roles[_] == "admin"
	some x in input.items
	x.price * 2 + 1 > 10
	not deny_${i}
	count([y | some y in data.things; y.kind == "a"]) >= 1
}

deny_${i} contains msg if {
	msg := sprintf("bad %v", [input.user.name])
	input.user.age < 18
}

f_${i}(a, b) := {"sum": a + b, "set": {a, b}} if a != b
`;
    let src = 'package bench\n';
    let blocks = 0;
    while (src.split('\n').length < 5000) src += block(blocks++);
    parseModule(src, 'warm.rego');
    const t0 = performance.now();
    const m = parseModule(src, 'bench.rego');
    const ms = performance.now() - t0;
    assert.equal(m.rules.length, 3 * blocks);
    // Typically ~30 ms warm; the bound is loose so a busy machine does not fail the test.
    assert.ok(ms < 500, `took ${ms} ms`);
  });
});

// ---- OPA conformance suite ----

/**
 * Modules in the suite that are meant to be invalid: none so far. Every module, query and
 * input_term of the v1 suite is valid Rego v1 (OPA's runner compiles all of them).
 */
const EXPECTED_INVALID: Record<string, string> = {};

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const suite = resolve(repoRoot, '../shared/opa-conformance/v1');

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? yamlFiles(p) : /\.ya?ml$/.test(f) ? [p] : [];
  });
}

describe('OPA v1 conformance suite', { skip: existsSync(suite) ? false : `suite not found at ${suite}` }, () => {
  it('parses every module, query and input_term', () => {
    const failures: string[] = [];
    const counts = { modules: 0, queries: 0, inputTerms: 0 };
    for (const file of yamlFiles(suite)) {
      const doc = parseYaml(readFileSync(file, 'utf8')) as { cases?: Record<string, unknown>[] } | null;
      for (const c of doc?.cases ?? []) {
        const note = String(c.note);
        const check = (what: string, f: () => unknown) => {
          try {
            f();
            if (EXPECTED_INVALID[`${note}#${what}`]) failures.push(`${note} ${what}: parsed but listed as invalid`);
          } catch (e) {
            if (!EXPECTED_INVALID[`${note}#${what}`]) failures.push(`${file.slice(suite.length)} ${note} ${what}: ${(e as Error).message}`);
          }
        };
        ((c.modules as string[] | undefined) ?? []).forEach((m, i) => {
          counts.modules++;
          check(`module ${i}`, () => parseModule(m, `test-${i}.rego`));
        });
        if (typeof c.query === 'string') {
          counts.queries++;
          check('query', () => parseQuery(c.query as string));
        }
        if (typeof c.input_term === 'string') {
          counts.inputTerms++;
          check('input_term', () => parseTerm(c.input_term as string));
        }
      }
    }
    assert.deepEqual(failures, []);
    // 2465 modules, 2067 queries and 86 input terms in the copy this was written against.
    assert.ok(counts.modules > 2000 && counts.queries > 2000 && counts.inputTerms > 50, JSON.stringify(counts));
  });
});
