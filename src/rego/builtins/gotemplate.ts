// A subset of Go's text/template for strings.render_template: text and actions with trim
// markers and comments, fields and variables, pipelines and parenthesized pipelines, literals,
// if / else if / else, range (with index and element variables, else, break and continue),
// with, and the builtin functions and, or, not, len, index, eq, ne, lt, le, gt, ge, print,
// println, printf, html, js, urlquery.
//
// Values behave as in OPA, which hands the template the variables decoded from JSON with
// json.Number: numbers print as their text and are strings to the template (so `if 0` is
// true), arrays print as `[a b]`, objects as `map[k:v]`, null as `<no value>`. A key missing
// from the variables renders as `<undefined>` (OPA's conformance suite pins this).

import { BuiltinError } from '../errors.js';
import { objectKeys, objectGet, RSet, type ObjectValue, type Value } from '../value.js';
import { goQuote, numberText } from './gofmt.js';
import { compareGoStrings } from './gojson.js';
import { goSprintf } from './sprintf.js';
import { chargeChars, type BuiltinContext } from './types.js';

type TV =
  | { k: 'str'; v: string }
  | { k: 'num'; v: string }
  | { k: 'int'; v: number }
  | { k: 'float'; v: number }
  | { k: 'bool'; v: boolean }
  | { k: 'nil' }
  | { k: 'missing' }
  | { k: 'arr'; v: TV[] }
  | { k: 'map'; v: Map<string, TV> };

const NIL: TV = { k: 'nil' };
const MISSING: TV = { k: 'missing' };

function fromValue(v: Value): TV {
  switch (typeof v) {
    case 'string':
      return { k: 'str', v };
    case 'number':
    case 'bigint':
      return { k: 'num', v: numberText(v) };
    case 'boolean':
      return { k: 'bool', v };
  }
  if (v === null) return NIL;
  if (Array.isArray(v)) return { k: 'arr', v: v.map(fromValue) };
  if (v instanceof RSet) return { k: 'arr', v: v.sorted().map(fromValue) };
  const m = new Map<string, TV>();
  for (const key of objectKeys(v)) {
    m.set(typeof key === 'string' ? key : JSON.stringify(key), fromValue(objectGet(v, key) as Value));
  }
  return { k: 'map', v: m };
}

function printTV(v: TV, nested = false): string {
  switch (v.k) {
    case 'str':
    case 'num':
      return v.v;
    case 'int':
      return String(v.v);
    case 'float':
      return goSprintf('%v', [{ t: 'float', v: v.v }]);
    case 'bool':
      return v.v ? 'true' : 'false';
    case 'nil':
      return nested ? '<nil>' : '<no value>';
    case 'missing':
      return '<undefined>';
    case 'arr':
      return '[' + v.v.map((x) => printTV(x, true)).join(' ') + ']';
    case 'map':
      return 'map[' + [...v.v.keys()].sort(compareGoStrings).map((k) => k + ':' + printTV(v.v.get(k) as TV, true)).join(' ') + ']';
  }
}

function truth(v: TV): boolean {
  switch (v.k) {
    case 'str':
    case 'num':
      return v.v.length > 0;
    case 'int':
    case 'float':
      return v.v !== 0;
    case 'bool':
      return v.v;
    case 'arr':
      return v.v.length > 0;
    case 'map':
      return v.v.size > 0;
    default:
      return false;
  }
}

// ---- parsing ----

type Arg =
  | { t: 'field'; base: 'dot' | string; chain: string[] }
  | { t: 'lit'; v: TV }
  | { t: 'fn'; name: string }
  | { t: 'sub'; pipe: Pipe; chain: string[] };
type Cmd = Arg[];
interface Pipe {
  decl: string[];
  cmds: Cmd[];
}
type Node =
  | { t: 'text'; s: string }
  | { t: 'out'; pipe: Pipe }
  | { t: 'if' | 'with'; pipe: Pipe; body: Node[]; alt: Node[] }
  | { t: 'range'; pipe: Pipe; body: Node[]; alt: Node[] }
  | { t: 'break' | 'continue' };

class TemplateError extends Error {}

function fail(msg: string): never {
  throw new TemplateError('template: template: ' + msg);
}

/** Splits the source into text and action items, applying trim markers and dropping comments. */
function scan(src: string): { text?: string; action?: string }[] {
  const items: { text?: string; action?: string }[] = [];
  let i = 0;
  let trimNext = false;
  while (i <= src.length) {
    const open = src.indexOf('{{', i);
    let text = src.slice(i, open < 0 ? src.length : open);
    if (trimNext) text = text.replace(/^\s+/, '');
    trimNext = false;
    if (open < 0) {
      if (text) items.push({ text });
      break;
    }
    let j = open + 2;
    if (/^-[ \t\r\n]/.test(src.slice(j, j + 2))) {
      text = text.replace(/\s+$/, '');
      j += 1;
    }
    if (text) items.push({ text });
    let close: number;
    if (src.startsWith('/*', j) || /^\s*\/\*/.test(src.slice(j, j + 3))) {
      const endComment = src.indexOf('*/', j);
      if (endComment < 0) fail('unclosed comment');
      close = src.indexOf('}}', endComment + 2);
      if (close < 0) fail('unclosed comment');
      if (/[ \t\r\n]-$/.test(src.slice(close - 2, close))) trimNext = true;
      i = close + 2;
      continue;
    }
    close = findClose(src, j);
    if (close < 0) fail('unclosed action');
    let body = src.slice(j, close);
    if (/[ \t\r\n]-$/.test(body)) {
      body = body.slice(0, -1);
      trimNext = true;
    }
    items.push({ action: body });
    i = close + 2;
  }
  return items;
}

function findClose(src: string, from: number): number {
  let q: string | null = null;
  for (let i = from; i < src.length; i++) {
    const c = src[i];
    if (q) {
      if (c === '\\' && q !== '`') i++;
      else if (c === q) q = null;
    } else if (c === '"' || c === '`' || c === "'") q = c;
    else if (c === '}' && src[i + 1] === '}') return i;
  }
  return -1;
}

function lexAction(s: string): string[] {
  const toks: string[] = [];
  const re = /\s+|:=|[=|(),]|"(?:[^"\\]|\\.)*"|`[^`]*`|'(?:[^'\\]|\\.)*'|[^\s=|(),:"`']+/gy;
  let m: RegExpExecArray | null;
  while (re.lastIndex < s.length && (m = re.exec(s)) !== null) if (!/^\s+$/.test(m[0])) toks.push(m[0]);
  if (re.lastIndex < s.length) fail(`unexpected ${JSON.stringify(s.slice(re.lastIndex))} in command`);
  return toks;
}

function unquote(tok: string): string {
  if (tok[0] === '`') return tok.slice(1, -1);
  try {
    return JSON.parse(tok.replace(/\\x([0-9a-fA-F]{2})/g, '\\u00$1').replace(/\\'/g, "'")) as string;
  } catch {
    return fail(`invalid syntax: ${tok}`);
  }
}

function parseChain(tok: string): string[] {
  return tok.split('.').slice(1).filter((x, i, a) => x !== '' || i < a.length - 1);
}

function parsePipe(toks: string[], pos: { i: number }, allowDecl: boolean, stop: string | null): Pipe {
  const decl: string[] = [];
  if (allowDecl) {
    const save = pos.i;
    const names: string[] = [];
    while (pos.i < toks.length && toks[pos.i].startsWith('$') && !toks[pos.i].includes('.')) {
      names.push(toks[pos.i++]);
      if (toks[pos.i] === ',') pos.i++;
      else break;
    }
    if (names.length && (toks[pos.i] === ':=' || toks[pos.i] === '=')) {
      pos.i++;
      decl.push(...names);
    } else pos.i = save;
  }
  const cmds: Cmd[] = [];
  let cmd: Cmd = [];
  while (pos.i < toks.length && toks[pos.i] !== stop) {
    const tok = toks[pos.i++];
    if (tok === '|') {
      if (!cmd.length) fail('missing command');
      cmds.push(cmd);
      cmd = [];
    } else if (tok === '(') {
      const sub = parsePipe(toks, pos, true, ')');
      if (toks[pos.i++] !== ')') fail('unclosed left paren');
      let chain: string[] = [];
      if (pos.i < toks.length && toks[pos.i].startsWith('.')) chain = parseChain(toks[pos.i++]);
      cmd.push({ t: 'sub', pipe: sub, chain });
    } else if (tok === ')' || tok === ',' || tok === ':=' || tok === '=') fail(`unexpected "${tok}" in command`);
    else cmd.push(parseOperand(tok));
  }
  if (cmd.length) cmds.push(cmd);
  if (!cmds.length) fail('missing value for command');
  return { decl, cmds };
}

function parseOperand(tok: string): Arg {
  if (tok[0] === '.') return { t: 'field', base: 'dot', chain: tok === '.' ? [] : parseChain(tok) };
  if (tok[0] === '$') {
    const dot = tok.indexOf('.');
    return { t: 'field', base: dot < 0 ? tok : tok.slice(0, dot), chain: dot < 0 ? [] : parseChain(tok.slice(dot)) };
  }
  if (tok[0] === '"' || tok[0] === '`') return { t: 'lit', v: { k: 'str', v: unquote(tok) } };
  if (tok[0] === "'") return { t: 'lit', v: { k: 'int', v: (unquote('"' + tok.slice(1, -1) + '"').codePointAt(0) as number) } };
  if (tok === 'true' || tok === 'false') return { t: 'lit', v: { k: 'bool', v: tok === 'true' } };
  if (tok === 'nil') return { t: 'lit', v: NIL };
  if (/^[-+]?(\d|\.\d)/.test(tok)) {
    const n = Number(tok);
    if (Number.isNaN(n)) fail(`bad number syntax: ${JSON.stringify(tok)}`);
    return { t: 'lit', v: /^[-+]?(0[xX][0-9a-fA-F]+|\d+)$/.test(tok) ? { k: 'int', v: n } : { k: 'float', v: n } };
  }
  if (!(tok in funcs)) fail(`function "${tok}" not defined`);
  return { t: 'fn', name: tok };
}

function parse(src: string): Node[] {
  const items = scan(src);
  let at = 0;
  const list = (enders: string[]): { nodes: Node[]; end: string; rest: string[]; restPos: number } => {
    const nodes: Node[] = [];
    while (at < items.length) {
      const it = items[at++];
      if (it.text !== undefined) {
        nodes.push({ t: 'text', s: it.text });
        continue;
      }
      const toks = lexAction(it.action as string);
      if (!toks.length) fail('missing value for command');
      const kw = toks[0];
      if (enders.includes(kw)) return { nodes, end: kw, rest: toks, restPos: 1 };
      if (kw === 'if' || kw === 'with' || kw === 'range') {
        nodes.push(control(kw, toks, 1));
      } else if (kw === 'break' || kw === 'continue') {
        nodes.push({ t: kw });
      } else if (kw === 'end' || kw === 'else') {
        fail(`unexpected {{${kw}}}`);
      } else if (kw === 'define' || kw === 'template' || kw === 'block') {
        fail(`${kw} is not supported`);
      } else {
        const pos = { i: 0 };
        nodes.push({ t: 'out', pipe: parsePipe(toks, pos, true, null) });
      }
    }
    if (enders.length) fail('unexpected EOF');
    return { nodes, end: '', rest: [], restPos: 0 };
  };
  const control = (kw: 'if' | 'with' | 'range', toks: string[], start: number): Node => {
    const pos = { i: start };
    const pipe = parsePipe(toks, pos, true, null);
    const body = list(['end', 'else']);
    let alt: Node[] = [];
    if (body.end === 'else') {
      if (body.rest.length > 1) {
        const chained = body.rest[1];
        if ((chained === 'if' || chained === 'with') && kw !== 'range') {
          alt = [control(chained, body.rest, 2)];
          return { t: kw, pipe, body: body.nodes, alt };
        }
        fail('unexpected tokens after else');
      }
      const rest = list(['end']);
      alt = rest.nodes;
    }
    return { t: kw, pipe, body: body.nodes, alt };
  };
  return list([]).nodes;
}

// ---- execution ----

type Scope = { name: string; v: TV }[];

class Break {}
class Continue {}

function field(v: TV, name: string): TV {
  if (v.k === 'map') {
    const got = v.v.get(name);
    return got === undefined ? MISSING : got;
  }
  if (v.k === 'missing' || v.k === 'nil') return MISSING;
  return fail(`can't evaluate field ${name} in type ${kindName(v)}`);
}

function kindName(v: TV): string {
  switch (v.k) {
    case 'str':
      return 'string';
    case 'num':
      return 'json.Number';
    case 'int':
      return 'int';
    case 'float':
      return 'float64';
    case 'bool':
      return 'bool';
    case 'arr':
      return '[]interface {}';
    case 'map':
      return 'map[string]interface {}';
    default:
      return 'interface {}';
  }
}

function lookupVar(scope: Scope, name: string): TV {
  for (let i = scope.length - 1; i >= 0; i--) if (scope[i].name === name) return scope[i].v;
  return fail(`undefined variable: ${name}`);
}

function evalArg(a: Arg, dot: TV, scope: Scope, final: TV | undefined): TV {
  switch (a.t) {
    case 'lit':
      return a.v;
    case 'field': {
      let v = a.base === 'dot' ? dot : lookupVar(scope, a.base);
      for (const name of a.chain) v = field(v, name);
      return v;
    }
    case 'sub': {
      let v = evalPipe(a.pipe, dot, scope);
      for (const name of a.chain) v = field(v, name);
      return v;
    }
    case 'fn':
      return funcs[a.name]([], final);
  }
}

function evalCmd(cmd: Cmd, dot: TV, scope: Scope, final: TV | undefined): TV {
  const head = cmd[0];
  if (head.t === 'fn') {
    const args = cmd.slice(1).map((a) => evalArg(a, dot, scope, undefined));
    return funcs[head.name](args, final);
  }
  if (cmd.length > 1 || final !== undefined) fail("can't give argument to non-function");
  return evalArg(head, dot, scope, undefined);
}

function evalPipe(p: Pipe, dot: TV, scope: Scope): TV {
  let v: TV | undefined;
  for (const cmd of p.cmds) v = evalCmd(cmd, dot, scope, v);
  return v as TV;
}

// The evaluation budget of the renderTemplate call running (rendering is synchronous and never
// re-entered): each range iteration is charged one unit (ahead, up to RANGE_CHUNK at a time), and
// the text written one per CHARS_PER_UNIT characters, so nested or huge ranges stop at the budget
// instead of exhausting the heap.
let meter: BuiltinContext | undefined;
/** Characters written and not yet charged. */
let pending = 0;
const PENDING_MAX = 4096;
/** Range iterations charged at once (one unit each). */
const RANGE_CHUNK = 1024;

function emit(out: string[], s: string): void {
  out.push(s);
  if (meter !== undefined && (pending += s.length) >= PENDING_MAX) {
    chargeChars(meter, pending);
    pending = 0;
  }
}

function exec(nodes: Node[], dot: TV, scope: Scope, out: string[]): void {
  for (const n of nodes) {
    switch (n.t) {
      case 'text':
        emit(out, n.s);
        break;
      case 'out': {
        const v = evalPipe(n.pipe, dot, scope);
        if (n.pipe.decl.length) scope.push({ name: n.pipe.decl[0], v });
        else emit(out, printTV(v));
        break;
      }
      case 'if':
      case 'with': {
        const v = evalPipe(n.pipe, dot, scope);
        const mark = scope.length;
        if (n.pipe.decl.length) scope.push({ name: n.pipe.decl[0], v });
        if (truth(v)) exec(n.body, n.t === 'with' ? v : dot, scope, out);
        else exec(n.alt, dot, scope, out);
        scope.length = mark;
        break;
      }
      case 'range':
        execRange(n, dot, scope, out);
        break;
      case 'break':
        throw new Break();
      case 'continue':
        throw new Continue();
    }
  }
}

function execRange(n: Extract<Node, { t: 'range' }>, dot: TV, scope: Scope, out: string[]): void {
  const v = evalPipe(n.pipe, dot, scope);
  // Entries are made one at a time: `{{range 100000000}}` must not build them all first.
  let count: number;
  let keys: string[] | undefined;
  if (v.k === 'arr') count = v.v.length;
  else if (v.k === 'map') {
    keys = [...v.v.keys()].sort(compareGoStrings);
    count = keys.length;
  } else if (v.k === 'int') count = Math.max(v.v, 0);
  else if (v.k === 'nil' || v.k === 'missing') count = 0;
  else return fail(`range can't iterate over ${printTV(v)}`);
  if (!count) {
    exec(n.alt, dot, scope, out);
    return;
  }
  const mark = scope.length;
  const d = n.pipe.decl;
  for (let i = 0; i < count; i++) {
    // Iterations are charged ahead, up to RANGE_CHUNK at a time.
    if (meter !== undefined && i % RANGE_CHUNK === 0) meter.charge(Math.min(RANGE_CHUNK, count - i));
    let key: TV;
    let elem: TV;
    if (v.k === 'arr') {
      key = { k: 'int', v: i };
      elem = v.v[i];
    } else if (v.k === 'map') {
      key = { k: 'str', v: (keys as string[])[i] };
      elem = v.v.get((keys as string[])[i]) as TV;
    } else {
      key = { k: 'int', v: i };
      elem = { k: 'int', v: i };
    }
    scope.length = mark;
    if (d.length === 1) scope.push({ name: d[0], v: elem });
    else if (d.length >= 2) scope.push({ name: d[0], v: key }, { name: d[1], v: elem });
    try {
      exec(n.body, elem, scope, out);
    } catch (e) {
      if (e instanceof Break) break;
      if (!(e instanceof Continue)) throw e;
    }
  }
  scope.length = mark;
}

// ---- functions ----

function basic(v: TV): string | number | boolean | null {
  switch (v.k) {
    case 'str':
    case 'num':
      return v.v;
    case 'int':
    case 'float':
      return v.v;
    case 'bool':
      return v.v;
    case 'nil':
    case 'missing':
      return null;
    default:
      return fail('invalid type for comparison');
  }
}

function cmp(a: TV, b: TV): number {
  const x = basic(a);
  const y = basic(b);
  if (typeof x !== typeof y) fail('incompatible types for comparison');
  if (typeof x === 'boolean') fail('invalid type for comparison');
  return (x as number) < (y as number) ? -1 : (x as number) > (y as number) ? 1 : 0;
}

function goArgOf(v: TV): Parameters<typeof goSprintf>[1][number] {
  switch (v.k) {
    case 'int':
      return { t: 'int', v: BigInt(v.v) };
    case 'float':
      return { t: 'float', v: v.v };
    default:
      return { t: 'string', v: printTV(v, true) };
  }
}

function withFinal(args: TV[], final: TV | undefined): TV[] {
  return final === undefined ? args : [...args, final];
}

function escapeHTML(s: string): string {
  return s.replace(/[<>&'"\0]/g, (c) =>
    c === '\0' ? '\uFFFD' : ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&#39;', '"': '&#34;' } as Record<string, string>)[c],
  );
}

const funcs: Record<string, (args: TV[], final: TV | undefined) => TV> = {
  and: (a, f) => {
    const args = withFinal(a, f);
    for (const x of args) if (!truth(x)) return x;
    return args[args.length - 1];
  },
  or: (a, f) => {
    const args = withFinal(a, f);
    for (const x of args) if (truth(x)) return x;
    return args[args.length - 1];
  },
  not: (a, f) => ({ k: 'bool', v: !truth(withFinal(a, f)[0]) }),
  len: (a, f) => {
    const x = withFinal(a, f)[0];
    if (x.k === 'str' || x.k === 'num') return { k: 'int', v: new TextEncoder().encode(x.v).length };
    if (x.k === 'arr') return { k: 'int', v: x.v.length };
    if (x.k === 'map') return { k: 'int', v: x.v.size };
    return fail(`len of type ${kindName(x)}`);
  },
  index: (a, f) => {
    const [coll, ...keys] = withFinal(a, f);
    let v = coll;
    for (const k of keys) {
      if (v.k === 'arr' && k.k === 'int') {
        if (k.v < 0 || k.v >= v.v.length) fail(`index out of range: ${k.v}`);
        v = v.v[k.v];
      } else if (v.k === 'map' && (k.k === 'str' || k.k === 'num')) v = v.v.get(k.v) ?? MISSING;
      else fail(`can't index item of type ${kindName(v)}`);
    }
    return v;
  },
  eq: (a, f) => {
    const [x, ...ys] = withFinal(a, f);
    return { k: 'bool', v: ys.some((y) => cmpEq(x, y)) };
  },
  ne: (a, f) => ({ k: 'bool', v: !cmpEq(...(withFinal(a, f) as [TV, TV])) }),
  lt: (a, f) => ({ k: 'bool', v: cmp(...(withFinal(a, f) as [TV, TV])) < 0 }),
  le: (a, f) => ({ k: 'bool', v: cmp(...(withFinal(a, f) as [TV, TV])) <= 0 }),
  gt: (a, f) => ({ k: 'bool', v: cmp(...(withFinal(a, f) as [TV, TV])) > 0 }),
  ge: (a, f) => ({ k: 'bool', v: cmp(...(withFinal(a, f) as [TV, TV])) >= 0 }),
  print: (a, f) => ({ k: 'str', v: goPrint(withFinal(a, f)) }),
  println: (a, f) => ({ k: 'str', v: withFinal(a, f).map((x) => printTV(x, true)).join(' ') + '\n' }),
  printf: (a, f) => {
    const [fmt, ...rest] = withFinal(a, f);
    return { k: 'str', v: goSprintf(printTV(fmt), rest.map(goArgOf), meter) };
  },
  html: (a, f) => ({ k: 'str', v: escapeHTML(goPrint(withFinal(a, f))) }),
  js: (a, f) => ({ k: 'str', v: goQuote(goPrint(withFinal(a, f))).slice(1, -1).replace(/'/g, "\\'") }),
  urlquery: (a, f) => ({ k: 'str', v: encodeURIComponent(goPrint(withFinal(a, f))).replace(/%20/g, '+') }),
};

function cmpEq(x: TV, y: TV): boolean {
  return cmp(x, y) === 0;
}

/** fmt.Sprint: spaces only between operands when neither is a string. */
function goPrint(args: TV[]): string {
  let s = '';
  args.forEach((x, i) => {
    const isStr = x.k === 'str' || x.k === 'num';
    if (i > 0 && !isStr && !(args[i - 1].k === 'str' || args[i - 1].k === 'num')) s += ' ';
    s += printTV(x, true);
  });
  return s;
}

const cache = new Map<string, Node[]>();

/** Renders a Go text/template with the given variables; errors become builtin errors. */
export function renderTemplate(src: string, vars: ObjectValue, ctx?: BuiltinContext): string {
  meter = ctx;
  pending = 0;
  try {
    let nodes = cache.get(src);
    if (nodes === undefined) {
      nodes = parse(src);
      if (cache.size >= 100) cache.delete(cache.keys().next().value as string);
      cache.set(src, nodes);
    }
    const root = fromValue(vars);
    const out: string[] = [];
    exec(nodes, root, [{ name: '$', v: root }], out);
    return out.join('');
  } catch (e) {
    if (e instanceof TemplateError) throw new BuiltinError(e.message);
    if (e instanceof Break || e instanceof Continue) throw new BuiltinError('template: {{break}} or {{continue}} outside {{range}}');
    if (e instanceof RangeError) throw new BuiltinError('template: exceeded maximum template depth');
    throw e;
  } finally {
    meter = undefined;
  }
}
