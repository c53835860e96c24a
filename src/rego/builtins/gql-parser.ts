// A GraphQL lexer and parser that behave like gqlparser (vektah/gqlparser, vendored by OPA):
// the same token rules, the same error texts and positions, and an AST whose plain-object shape
// is gqlparser's AST marshalled to JSON (field names as Go spells them). Positions are kept off
// the nodes, in a side table, so the nodes can be handed out as values directly.

// ---- AST (gqlparser's JSON shape) ----

export type Node = Record<string, unknown>;

export interface Pos {
  line: number;
  column: number;
  /** Source name: "" for user input, "prelude.graphql" for the built-in schema. */
  src: string;
}

/** Where each node starts. Nodes built from JSON objects have no entry. */
export const positions = new WeakMap<object, Pos>();

export const at = (node: unknown): Pos | undefined => (node && typeof node === 'object' ? positions.get(node) : undefined);

/** Value kinds, numbered as gqlparser's ast.ValueKind. */
export const Kind = {
  Variable: 0,
  Int: 1,
  Float: 2,
  String: 3,
  Block: 4,
  Boolean: 5,
  Null: 6,
  Enum: 7,
  List: 8,
  Object: 9,
} as const;

export class GQLError extends Error {
  constructor(
    readonly msg: string,
    readonly pos: Pos | undefined,
  ) {
    super(msg);
  }
  /** gqlerror.Error.Error(): `input:line:col: message`. */
  text(): string {
    const file = this.pos?.src || 'input';
    return this.pos ? `${file}:${this.pos.line}:${this.pos.column}: ${this.msg}` : `${file}: ${this.msg}`;
  }
}

// ---- Lexer ----

const enum T {
  Invalid, EOF, Bang, Dollar, Amp, ParenL, ParenR, Spread, Colon, Equals, At, BracketL, BracketR, BraceL,
  BraceR, Pipe, Name, Int, Float, String, BlockString, Comment,
}

const kindText: Record<number, string> = {
  [T.Invalid]: '<Invalid>', [T.EOF]: '<EOF>', [T.Bang]: '!', [T.Dollar]: '$', [T.Amp]: '&', [T.ParenL]: '(',
  [T.ParenR]: ')', [T.Spread]: '...', [T.Colon]: ':', [T.Equals]: '=', [T.At]: '@', [T.BracketL]: '[',
  [T.BracketR]: ']', [T.BraceL]: '{', [T.BraceR]: '}', [T.Pipe]: '|', [T.Name]: 'Name', [T.Int]: 'Int',
  [T.Float]: 'Float', [T.String]: 'String', [T.BlockString]: 'BlockString', [T.Comment]: 'Comment',
};

interface Token {
  kind: T;
  value: string;
  pos: Pos;
}

/** Go's strconv.Quote. */
export function goStrconvQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    switch (ch) {
      case '"': out += '\\"'; continue;
      case '\\': out += '\\\\'; continue;
      case '\x07': out += '\\a'; continue;
      case '\b': out += '\\b'; continue;
      case '\f': out += '\\f'; continue;
      case '\n': out += '\\n'; continue;
      case '\r': out += '\\r'; continue;
      case '\t': out += '\\t'; continue;
      case '\v': out += '\\v'; continue;
    }
    if (cp < 0x20 || cp === 0x7f) out += '\\x' + cp.toString(16).padStart(2, '0');
    else if (cp === 0x20 || /[\p{L}\p{M}\p{N}\p{P}\p{S}]/u.test(ch)) out += ch;
    else if (cp < 0x10000) out += '\\u' + cp.toString(16).padStart(4, '0');
    else out += '\\U' + cp.toString(16).padStart(8, '0');
  }
  return out + '"';
}

const tokenText = (t: Token) => (t.value !== '' ? `${kindText[t.kind]} ${goStrconvQuote(t.value)}` : kindText[t.kind]);

function blockStringValue(raw: string): string {
  const lines = raw.split('\n');
  const MAX = 2147483647;
  const leading = (s: string) => {
    for (let i = 0; i < s.length; i++) if (s[i] !== ' ' && s[i] !== '\t') return i;
    return MAX;
  };
  let common = MAX;
  for (let i = 1; i < lines.length; i++) {
    const indent = leading(lines[i]);
    if (indent < lines[i].length && indent < common) {
      common = indent;
      if (common === 0) break;
    }
  }
  if (common !== MAX) for (let i = 1; i < lines.length; i++) lines[i] = lines[i].length < common ? '' : lines[i].slice(common);
  let start = 0;
  let end = lines.length;
  while (start < end && leading(lines[start]) === MAX) start++;
  while (start < end && leading(lines[end - 1]) === MAX) end--;
  return lines.slice(start, end).join('\n');
}

const isNameStart = (c: string) => c === '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
const isNameChar = (c: string) => isNameStart(c) || (c >= '0' && c <= '9');

class Lexer {
  private start = 0;
  private startRunes = 0;
  private end = 0;
  private endRunes = 0;
  private line = 1;
  private lineStartRunes = 0;

  constructor(
    private readonly input: string,
    private readonly src: string,
  ) {}

  private pos(column: number): Pos {
    return { line: this.line, column, src: this.src };
  }
  private token(kind: T, value: string): [Token, GQLError | null] {
    return [{ kind, value, pos: this.pos(this.startRunes - this.lineStartRunes + 1) }, null];
  }
  private error(msg: string): [Token, GQLError] {
    const column = this.endRunes - this.lineStartRunes + 1;
    const pos = this.pos(column);
    return [{ kind: T.Invalid, value: '', pos }, new GQLError(msg, pos)];
  }
  /** Advances over one character (a code point), counting one rune. */
  private advance(): string {
    const cp = this.input.codePointAt(this.end) as number;
    const ch = String.fromCodePoint(cp);
    this.end += ch.length;
    this.endRunes++;
    return ch;
  }

  read(): [Token, GQLError | null] {
    this.ws();
    this.start = this.end;
    this.startRunes = this.endRunes;
    if (this.end >= this.input.length) return this.token(T.EOF, '');
    const r = this.input[this.start];
    this.end++;
    this.endRunes++;
    switch (r) {
      case '!': return this.token(T.Bang, '');
      case '$': return this.token(T.Dollar, '');
      case '&': return this.token(T.Amp, '');
      case '(': return this.token(T.ParenL, '');
      case ')': return this.token(T.ParenR, '');
      case '.':
        if (this.input.startsWith('...', this.start)) {
          this.end += 2;
          this.endRunes += 2;
          return this.token(T.Spread, '');
        }
        break;
      case ':': return this.token(T.Colon, '');
      case '=': return this.token(T.Equals, '');
      case '@': return this.token(T.At, '');
      case '[': return this.token(T.BracketL, '');
      case ']': return this.token(T.BracketR, '');
      case '{': return this.token(T.BraceL, '');
      case '}': return this.token(T.BraceR, '');
      case '|': return this.token(T.Pipe, '');
      case '#':
        this.readComment();
        return this.read();
      case '"':
        return this.input.startsWith('"""', this.start) ? this.readBlockString() : this.readString();
      default:
        if (isNameStart(r)) return this.readName();
        if (r === '-' || (r >= '0' && r <= '9')) return this.readNumber();
    }
    this.end--;
    this.endRunes--;
    const code = r.charCodeAt(0);
    if (code < 0x20 && r !== '\t' && r !== '\n' && r !== '\r') {
      return this.error(`Cannot contain the invalid character "\\u${String(code).padStart(4, '0')}"`);
    }
    if (r === "'") return this.error(`Unexpected single quote character ('), did you mean to use a double quote (")?`);
    // Go looks at one byte here; a multi-byte character shows as the Latin-1 reading of its first byte.
    const firstByte = Buffer.from(String.fromCodePoint(this.input.codePointAt(this.start) as number), 'utf8')[0];
    return this.error(`Cannot parse the unexpected character "${String.fromCharCode(firstByte)}".`);
  }

  private ws(): void {
    while (this.end < this.input.length) {
      const c = this.input[this.end];
      if (c === '\t' || c === ' ' || c === ',') {
        this.end++;
        this.endRunes++;
      } else if (c === '\n') {
        this.end++;
        this.endRunes++;
        this.line++;
        this.lineStartRunes = this.endRunes;
      } else if (c === '\r') {
        this.end++;
        this.endRunes++;
        this.line++;
        this.lineStartRunes = this.endRunes;
        if (this.input[this.end] === '\n') {
          this.end++;
          this.endRunes++;
        }
      } else if (c === '\ufeff') {
        this.end++;
        this.endRunes++;
      } else {
        return;
      }
    }
  }

  private readComment(): void {
    while (this.end < this.input.length) {
      const cp = this.input.codePointAt(this.end) as number;
      if (cp > 0x1f || cp === 9) this.advance();
      else break;
    }
  }

  private acceptDigits(): number {
    let n = 0;
    while (this.end < this.input.length && this.input[this.end] >= '0' && this.input[this.end] <= '9') {
      this.end++;
      this.endRunes++;
      n++;
    }
    return n;
  }
  private accept(...chars: string[]): boolean {
    if (this.end < this.input.length && chars.includes(this.input[this.end])) {
      this.end++;
      this.endRunes++;
      return true;
    }
    return false;
  }
  private describeNext(): string {
    return this.end < this.input.length ? `"${this.input[this.end]}"` : '<EOF>';
  }

  private readNumber(): [Token, GQLError | null] {
    let float = false;
    this.end--;
    this.endRunes--;
    this.accept('-');
    if (this.accept('0')) {
      const n = this.acceptDigits();
      if (n !== 0) {
        this.end -= n;
        this.endRunes -= n;
        return this.error(`Invalid number, unexpected digit after 0: ${this.describeNext()}.`);
      }
    } else if (this.acceptDigits() === 0) {
      return this.error(`Invalid number, expected digit but got: ${this.describeNext()}.`);
    }
    if (this.accept('.')) {
      float = true;
      if (this.acceptDigits() === 0) return this.error(`Invalid number, expected digit but got: ${this.describeNext()}.`);
    }
    if (this.accept('e', 'E')) {
      float = true;
      this.accept('-', '+');
      if (this.acceptDigits() === 0) return this.error(`Invalid number, expected digit but got: ${this.describeNext()}.`);
    }
    return this.token(float ? T.Float : T.Int, this.input.slice(this.start, this.end));
  }

  private readString(): [Token, GQLError | null] {
    const input = this.input;
    let buf: string | null = null;
    this.start++;
    this.startRunes++;
    while (this.end < input.length) {
      const r = input[this.end];
      if (r === '\n' || r === '\r') break;
      const code = r.charCodeAt(0);
      if (code < 0x20 && r !== '\t') return this.error(`Invalid character within String: "\\u${String(code).padStart(4, '0')}".`);
      if (r === '"') {
        const [t] = this.token(T.String, buf ?? input.slice(this.start, this.end));
        this.end++;
        this.endRunes++;
        return [t, null];
      }
      if (r === '\\') {
        if (this.end + 1 >= input.length) {
          this.end++;
          this.endRunes++;
          return this.error('Invalid character escape sequence.');
        }
        if (buf === null) buf = input.slice(this.start, this.end);
        const esc = input[this.end + 1];
        if (esc === 'u') {
          if (this.end + 6 >= input.length) {
            this.end++;
            this.endRunes++;
            return this.error(`Invalid character escape sequence: \\${input.slice(this.end)}.`);
          }
          const hex = input.slice(this.end + 2, this.end + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
            this.end++;
            this.endRunes++;
            return this.error(`Invalid character escape sequence: \\${input.slice(this.end, this.end + 5)}.`);
          }
          const cp = parseInt(hex, 16);
          buf += cp >= 0xd800 && cp <= 0xdfff ? '\ufffd' : String.fromCharCode(cp);
          this.end += 6;
          this.endRunes += 6;
        } else {
          const map: Record<string, string> = { '"': '"', '/': '/', '\\': '\\', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
          if (!(esc in map)) {
            this.end++;
            this.endRunes++;
            return this.error(`Invalid character escape sequence: \\${esc}.`);
          }
          buf += map[esc];
          this.end += 2;
          this.endRunes += 2;
        }
        continue;
      }
      const ch = this.advance();
      if (buf !== null) buf += ch;
    }
    return this.error('Unterminated string.');
  }

  private readBlockString(): [Token, GQLError | null] {
    const input = this.input;
    let buf = '';
    this.start += 3;
    this.startRunes += 3;
    this.end += 2;
    this.endRunes += 2;
    while (this.end < input.length) {
      const r = input[this.end];
      if (r === '"' && input.startsWith('"""', this.end)) {
        const [t] = this.token(T.BlockString, blockStringValue(buf));
        this.end += 3;
        this.endRunes += 3;
        return [t, null];
      }
      const code = r.charCodeAt(0);
      if (code < 0x20 && r !== '\t' && r !== '\n' && r !== '\r') {
        return this.error(`Invalid character within String: "\\u${String(code).padStart(4, '0')}".`);
      }
      if (r === '\\' && input.startsWith('\\"""', this.end)) {
        buf += '"""';
        this.end += 4;
        this.endRunes += 4;
      } else if (r === '\r') {
        if (input[this.end + 1] === '\n') {
          this.end++;
          this.endRunes++;
        }
        buf += '\n';
        this.end++;
        this.endRunes++;
        this.line++;
        this.lineStartRunes = this.endRunes;
      } else {
        buf += this.advance();
        if (r === '\n') {
          this.line++;
          this.lineStartRunes = this.endRunes;
        }
      }
    }
    return this.error('Unterminated string.');
  }

  private readName(): [Token, GQLError | null] {
    while (this.end < this.input.length && isNameChar(this.input[this.end])) {
      this.end++;
      this.endRunes++;
    }
    return this.token(T.Name, this.input.slice(this.start, this.end));
  }
}

// ---- Parser ----

const directiveLocations = new Set([
  'QUERY', 'MUTATION', 'SUBSCRIPTION', 'FIELD', 'FRAGMENT_DEFINITION', 'FRAGMENT_SPREAD', 'INLINE_FRAGMENT',
  'VARIABLE_DEFINITION', 'SCHEMA', 'SCALAR', 'OBJECT', 'FIELD_DEFINITION', 'ARGUMENT_DEFINITION', 'INTERFACE',
  'UNION', 'ENUM', 'ENUM_VALUE', 'INPUT_OBJECT', 'INPUT_FIELD_DEFINITION',
]);

function node<N extends Node>(n: N, pos: Pos | undefined): N {
  if (pos) positions.set(n, pos);
  return n;
}

class Parser {
  private readonly lexer: Lexer;
  err: GQLError | null = null;
  private peeked = false;
  private peekToken!: Token;
  private peekError: GQLError | null = null;
  private prev: Token = { kind: T.Invalid, value: '', pos: { line: 0, column: 0, src: '' } };

  constructor(input: string, src: string) {
    this.lexer = new Lexer(input, src);
  }

  private peek(): Token {
    if (this.err) return this.prev;
    if (!this.peeked) {
      [this.peekToken, this.peekError] = this.lexer.read();
      this.peeked = true;
    }
    return this.peekToken;
  }
  private peekPos(): Pos | undefined {
    return this.err ? undefined : this.peek().pos;
  }
  private error(tok: Token, msg: string): void {
    if (!this.err) this.err = new GQLError(msg, tok.pos);
  }
  private next(): Token {
    if (this.err) return this.prev;
    if (this.peeked) {
      this.peeked = false;
      this.prev = this.peekToken;
      this.err = this.peekError;
    } else {
      [this.prev, this.err] = this.lexer.read();
    }
    return this.prev;
  }
  private expectKeyword(value: string): Token {
    const tok = this.peek();
    if (tok.kind === T.Name && tok.value === value) return this.next();
    this.error(tok, `Expected ${goStrconvQuote(value)}, found ${tokenText(tok)}`);
    return tok;
  }
  private expect(kind: T): Token {
    const tok = this.peek();
    if (tok.kind === kind) return this.next();
    this.error(tok, `Expected ${kindText[kind]}, found ${kindText[tok.kind]}`);
    return tok;
  }
  private skip(kind: T): boolean {
    if (this.err) return false;
    if (this.peek().kind !== kind) return false;
    this.next();
    return true;
  }
  private unexpected(tok = this.peek()): void {
    this.error(tok, `Unexpected ${tokenText(tok)}`);
  }
  private many(start: T, end: T, cb: () => void): void {
    if (!this.skip(start)) return;
    while (this.peek().kind !== end && !this.err) cb();
    this.next();
  }
  private some(start: T, end: T, cb: () => void): void {
    if (!this.skip(start)) return;
    let called = false;
    while (this.peek().kind !== end && !this.err) {
      called = true;
      cb();
    }
    if (!called) {
      this.error(this.peek(), `expected at least one definition, found ${kindText[this.peek().kind]}`);
      return;
    }
    this.next();
  }
  private name(): string {
    return this.expect(T.Name).value;
  }

  // -- Query documents --

  queryDocument(): Node {
    const doc: Node = { Operations: null, Fragments: null };
    const ops: Node[] = [];
    const frags: Node[] = [];
    while (this.peek().kind !== T.EOF) {
      if (this.err) break;
      const tok = this.peek();
      if (tok.kind === T.Name) {
        if (tok.value === 'query' || tok.value === 'mutation' || tok.value === 'subscription') ops.push(this.operationDefinition());
        else if (tok.value === 'fragment') frags.push(this.fragmentDefinition());
        else this.unexpected();
      } else if (tok.kind === T.BraceL) {
        ops.push(this.operationDefinition());
      } else {
        this.unexpected();
      }
    }
    if (ops.length) doc.Operations = ops;
    if (frags.length) doc.Fragments = frags;
    return doc;
  }

  private operationDefinition(): Node {
    if (this.peek().kind === T.BraceL) {
      const pos = this.peekPos();
      return node(
        { Operation: 'query', Name: '', VariableDefinitions: null, Directives: null, SelectionSet: this.requiredSelectionSet() },
        pos,
      );
    }
    const pos = this.peekPos();
    const op: Node = { Operation: this.operationType(), Name: '', VariableDefinitions: null, Directives: null, SelectionSet: null };
    if (this.peek().kind === T.Name) op.Name = this.next().value;
    op.VariableDefinitions = this.variableDefinitions();
    op.Directives = this.directives(false);
    op.SelectionSet = this.requiredSelectionSet();
    return node(op, pos);
  }

  private operationType(): string {
    const tok = this.next();
    if (tok.value === 'query' || tok.value === 'mutation' || tok.value === 'subscription') return tok.value;
    this.unexpected(tok);
    return '';
  }

  private variableDefinitions(): Node[] | null {
    const defs: Node[] = [];
    this.many(T.ParenL, T.ParenR, () => defs.push(this.variableDefinition()));
    return defs.length ? defs : null;
  }

  private variableDefinition(): Node {
    const pos = this.peekPos();
    const def: Node = { Variable: this.variable(), Type: null, DefaultValue: null, Directives: null, Definition: null, Used: false };
    this.expect(T.Colon);
    def.Type = this.typeReference();
    if (this.skip(T.Equals)) def.DefaultValue = this.valueLiteral(true);
    def.Directives = this.directives(false);
    return node(def, pos);
  }

  private variable(): string {
    this.expect(T.Dollar);
    return this.name();
  }

  private selectionSet(): Node[] | null {
    const sels: Node[] = [];
    this.some(T.BraceL, T.BraceR, () => sels.push(this.selection()));
    return sels.length ? sels : null;
  }

  private requiredSelectionSet(): Node[] | null {
    if (this.peek().kind !== T.BraceL) {
      this.error(this.peek(), `Expected {, found ${kindText[this.peek().kind]}`);
      return null;
    }
    return this.selectionSet();
  }

  private selection(): Node {
    return this.peek().kind === T.Spread ? this.fragment() : this.field();
  }

  private field(): Node {
    const pos = this.peekPos();
    const f: Node = { Alias: this.name(), Name: '', Arguments: null, Directives: null, SelectionSet: null, Definition: null, ObjectDefinition: null };
    f.Name = this.skip(T.Colon) ? this.name() : f.Alias;
    f.Arguments = this.arguments(false);
    f.Directives = this.directives(false);
    if (this.peek().kind === T.BraceL) f.SelectionSet = this.selectionSet();
    return node(f, pos);
  }

  private arguments(isConst: boolean): Node[] | null {
    const args: Node[] = [];
    this.many(T.ParenL, T.ParenR, () => args.push(this.argument(isConst)));
    return args.length ? args : null;
  }

  private argument(isConst: boolean): Node {
    const pos = this.peekPos();
    const arg: Node = { Name: this.name(), Value: null };
    this.expect(T.Colon);
    arg.Value = this.valueLiteral(isConst);
    return node(arg, pos);
  }

  private fragment(): Node {
    this.expect(T.Spread);
    const peek = this.peek();
    if (peek.kind === T.Name && peek.value !== 'on') {
      const pos = this.peekPos();
      return node(
        { Name: this.fragmentName(), Directives: this.directives(false), ObjectDefinition: null, Definition: null },
        pos,
      );
    }
    const pos = this.peekPos();
    const def: Node = { TypeCondition: '', Directives: null, SelectionSet: null, ObjectDefinition: null };
    if (this.peek().value === 'on') {
      this.next();
      def.TypeCondition = this.name();
    }
    def.Directives = this.directives(false);
    def.SelectionSet = this.requiredSelectionSet();
    return node(def, pos);
  }

  private fragmentDefinition(): Node {
    const pos = this.peekPos();
    this.expectKeyword('fragment');
    const def: Node = { Name: this.fragmentName(), VariableDefinition: null, TypeCondition: '', Directives: null, SelectionSet: null, Definition: null };
    def.VariableDefinition = this.variableDefinitions();
    this.expectKeyword('on');
    def.TypeCondition = this.name();
    def.Directives = this.directives(false);
    def.SelectionSet = this.requiredSelectionSet();
    return node(def, pos);
  }

  private fragmentName(): string {
    if (this.peek().value === 'on') {
      this.unexpected();
      return '';
    }
    return this.name();
  }

  private value(raw: string, kind: number, pos: Pos | undefined, children: Node[] | null = null): Node {
    return node(
      { Raw: raw, Children: children, Kind: kind, Definition: null, VariableDefinition: null, ExpectedType: null, ExpectedTypeHasDefault: false },
      pos,
    );
  }

  valueLiteral(isConst: boolean): Node | null {
    const tok = this.peek();
    let kind: number;
    switch (tok.kind) {
      case T.BracketL:
        return this.listValue(isConst);
      case T.BraceL:
        return this.objectValue(isConst);
      case T.Dollar:
        if (isConst) {
          this.unexpected();
          return null;
        }
        return this.value(this.variable(), Kind.Variable, tok.pos);
      case T.Int: kind = Kind.Int; break;
      case T.Float: kind = Kind.Float; break;
      case T.String: kind = Kind.String; break;
      case T.BlockString: kind = Kind.Block; break;
      case T.Name:
        kind = tok.value === 'true' || tok.value === 'false' ? Kind.Boolean : tok.value === 'null' ? Kind.Null : Kind.Enum;
        break;
      default:
        this.unexpected();
        return null;
    }
    this.next();
    return this.value(tok.value, kind, tok.pos);
  }

  private listValue(isConst: boolean): Node {
    const pos = this.peekPos();
    const items: Node[] = [];
    this.many(T.BracketL, T.BracketR, () => items.push({ Name: '', Value: this.valueLiteral(isConst) }));
    return this.value('', Kind.List, pos, items.length ? items : null);
  }

  private objectValue(isConst: boolean): Node {
    const pos = this.peekPos();
    const fields: Node[] = [];
    this.many(T.BraceL, T.BraceR, () => {
      const fpos = this.peekPos();
      const f: Node = { Name: this.name(), Value: null };
      this.expect(T.Colon);
      f.Value = this.valueLiteral(isConst);
      fields.push(node(f, fpos));
    });
    return this.value('', Kind.Object, pos, fields.length ? fields : null);
  }

  private directives(isConst: boolean): Node[] | null {
    const dirs: Node[] = [];
    while (this.peek().kind === T.At) {
      if (this.err) break;
      this.expect(T.At);
      const pos = this.peekPos();
      dirs.push(node({ Name: this.name(), Arguments: this.arguments(isConst), ParentDefinition: null, Definition: null, Location: '' }, pos));
    }
    return dirs.length ? dirs : null;
  }

  private typeReference(): Node {
    const t: Node = { NamedType: '', Elem: null, NonNull: false };
    let pos: Pos | undefined;
    if (this.skip(T.BracketL)) {
      pos = this.peekPos();
      t.Elem = this.typeReference();
      this.expect(T.BracketR);
    } else {
      pos = this.peekPos();
      t.NamedType = this.name();
    }
    if (this.skip(T.Bang)) {
      pos = this.peekPos();
      t.NonNull = true;
    }
    return node(t, pos);
  }

  // -- Schema documents --

  schemaDocument(): Node | null {
    const lists: Record<string, Node[]> = { Schema: [], SchemaExtension: [], Directives: [], Definitions: [], Extensions: [] };
    while (this.peek().kind !== T.EOF) {
      if (this.err) return null;
      let description = '';
      if (this.peek().kind === T.BlockString || this.peek().kind === T.String) description = this.next().value;
      if (this.peek().kind !== T.Name) {
        this.unexpected();
        break;
      }
      switch (this.peek().value) {
        case 'scalar': case 'type': case 'interface': case 'union': case 'enum': case 'input':
          lists.Definitions.push(this.typeSystemDefinition(description));
          break;
        case 'schema':
          lists.Schema.push(this.schemaDefinition(description));
          break;
        case 'directive':
          lists.Directives.push(this.directiveDefinition(description));
          break;
        case 'extend':
          if (description !== '') this.unexpected(this.prev);
          this.typeSystemExtension(lists);
          break;
        default:
          this.unexpected();
          return null;
      }
    }
    const doc: Node = {};
    for (const [k, v] of Object.entries(lists)) doc[k] = v.length ? v : null;
    return doc;
  }

  private definition(kind: string, description: string, pos: Pos | undefined): Node {
    return node(
      { Kind: kind, Description: description, Name: this.name(), Directives: null, Interfaces: null, Fields: null, Types: null, EnumValues: null, BuiltIn: false },
      pos,
    );
  }

  private typeSystemDefinition(description: string): Node {
    const keyword = this.peek().value;
    this.expectKeyword(keyword);
    const pos = this.peekPos();
    switch (keyword) {
      case 'scalar': {
        const d = this.definition('SCALAR', description, pos);
        d.Directives = this.directives(true);
        return d;
      }
      case 'type':
      case 'interface': {
        const d = this.definition(keyword === 'type' ? 'OBJECT' : 'INTERFACE', description, pos);
        d.Interfaces = this.implementsInterfaces();
        d.Directives = this.directives(true);
        d.Fields = this.fieldsDefinition();
        return d;
      }
      case 'union': {
        const d = this.definition('UNION', description, pos);
        d.Directives = this.directives(true);
        d.Types = this.unionMembers();
        return d;
      }
      case 'enum': {
        const d = this.definition('ENUM', description, pos);
        d.Directives = this.directives(true);
        d.EnumValues = this.enumValues();
        return d;
      }
      default: {
        const d = this.definition('INPUT_OBJECT', description, pos);
        d.Directives = this.directives(true);
        d.Fields = this.inputFields();
        return d;
      }
    }
  }

  private schemaDefinition(description: string): Node {
    this.expectKeyword('schema');
    const pos = this.peekPos();
    const def: Node = { Description: description, Directives: this.directives(true), OperationTypes: null };
    const ops: Node[] = [];
    this.some(T.BraceL, T.BraceR, () => ops.push(this.operationTypeDefinition()));
    if (ops.length) def.OperationTypes = ops;
    return node(def, pos);
  }

  private operationTypeDefinition(): Node {
    const pos = this.peekPos();
    const op: Node = { Operation: this.operationType(), Type: '' };
    this.expect(T.Colon);
    op.Type = this.name();
    return node(op, pos);
  }

  private implementsInterfaces(): string[] | null {
    if (this.peek().value !== 'implements') return null;
    this.next();
    this.skip(T.Amp);
    const types = [this.name()];
    while (this.skip(T.Amp) && !this.err) types.push(this.name());
    return types;
  }

  private fieldsDefinition(): Node[] | null {
    const defs: Node[] = [];
    this.some(T.BraceL, T.BraceR, () => defs.push(this.fieldDefinition()));
    return defs.length ? defs : null;
  }

  private fieldDefinition(): Node {
    const pos = this.peekPos();
    const def: Node = { Description: this.description(), Name: this.name(), Arguments: null, DefaultValue: null, Type: null, Directives: null };
    def.Arguments = this.argumentDefs();
    this.expect(T.Colon);
    def.Type = this.typeReference();
    def.Directives = this.directives(true);
    return node(def, pos);
  }

  private description(): string {
    const tok = this.peek();
    return tok.kind === T.BlockString || tok.kind === T.String ? this.next().value : '';
  }

  private argumentDefs(): Node[] | null {
    const args: Node[] = [];
    this.some(T.ParenL, T.ParenR, () => args.push(this.inputValueDef(false)));
    return args.length ? args : null;
  }

  /** An argument definition, or (asField) an input object field definition. */
  private inputValueDef(asField: boolean): Node {
    const pos = this.peekPos();
    const def: Node = asField
      ? { Description: this.description(), Name: this.name(), Arguments: null, DefaultValue: null, Type: null, Directives: null }
      : { Description: this.description(), Name: this.name(), DefaultValue: null, Type: null, Directives: null };
    this.expect(T.Colon);
    def.Type = this.typeReference();
    if (this.skip(T.Equals)) def.DefaultValue = this.valueLiteral(true);
    def.Directives = this.directives(true);
    return node(def, pos);
  }

  private unionMembers(): string[] | null {
    if (!this.skip(T.Equals)) return null;
    this.skip(T.Pipe);
    const types = [this.name()];
    while (this.skip(T.Pipe) && !this.err) types.push(this.name());
    return types;
  }

  private enumValues(): Node[] | null {
    const values: Node[] = [];
    this.some(T.BraceL, T.BraceR, () => {
      const pos = this.peekPos();
      values.push(node({ Description: this.description(), Name: this.name(), Directives: this.directives(true) }, pos));
    });
    return values.length ? values : null;
  }

  private inputFields(): Node[] | null {
    const values: Node[] = [];
    this.some(T.BraceL, T.BraceR, () => values.push(this.inputValueDef(true)));
    return values.length ? values : null;
  }

  private typeSystemExtension(lists: Record<string, Node[]>): void {
    this.expectKeyword('extend');
    const keyword = this.peek().value;
    if (keyword === 'schema') {
      this.expectKeyword('schema');
      const pos = this.peekPos();
      const def: Node = { Description: '', Directives: this.directives(true), OperationTypes: null };
      const ops: Node[] = [];
      this.some(T.BraceL, T.BraceR, () => ops.push(this.operationTypeDefinition()));
      if (ops.length) def.OperationTypes = ops;
      if (!def.Directives && !ops.length) this.unexpected();
      lists.SchemaExtension.push(node(def, pos));
      return;
    }
    const kinds: Record<string, string> = {
      scalar: 'SCALAR', type: 'OBJECT', interface: 'INTERFACE', union: 'UNION', enum: 'ENUM', input: 'INPUT_OBJECT',
    };
    if (!(keyword in kinds)) {
      this.unexpected();
      return;
    }
    this.expectKeyword(keyword);
    const pos = this.peekPos();
    const d = this.definition(kinds[keyword], '', pos);
    let empty: boolean;
    switch (keyword) {
      case 'scalar':
        d.Directives = this.directives(true);
        empty = !d.Directives;
        break;
      case 'type':
        d.Interfaces = this.implementsInterfaces();
        d.Directives = this.directives(true);
        d.Fields = this.fieldsDefinition();
        empty = !d.Interfaces && !d.Directives && !d.Fields;
        break;
      case 'interface':
        d.Directives = this.directives(true);
        d.Fields = this.fieldsDefinition();
        empty = !d.Directives && !d.Fields;
        break;
      case 'union':
        d.Directives = this.directives(true);
        d.Types = this.unionMembers();
        empty = !d.Directives && !d.Types;
        break;
      case 'enum':
        d.Directives = this.directives(true);
        d.EnumValues = this.enumValues();
        empty = !d.Directives && !d.EnumValues;
        break;
      default:
        d.Directives = this.directives(false);
        d.Fields = this.inputFields();
        empty = !d.Directives && !d.Fields;
    }
    if (empty) this.unexpected();
    lists.Extensions.push(d);
  }

  private directiveDefinition(description: string): Node {
    this.expectKeyword('directive');
    this.expect(T.At);
    const pos = this.peekPos();
    const def: Node = { Description: description, Name: this.name(), Arguments: null, Locations: null, IsRepeatable: false };
    def.Arguments = this.argumentDefs();
    const peek = this.peek();
    if (peek.kind === T.Name && peek.value === 'repeatable') {
      def.IsRepeatable = true;
      this.skip(T.Name);
    }
    this.expectKeyword('on');
    this.skip(T.Pipe);
    const locations = [this.directiveLocation()];
    while (this.skip(T.Pipe) && !this.err) locations.push(this.directiveLocation());
    def.Locations = locations;
    return node(def, pos);
  }

  private directiveLocation(): string {
    const tok = this.expect(T.Name);
    if (directiveLocations.has(tok.value)) return tok.value;
    this.unexpected(tok);
    return '';
  }
}

/** gqlparser.ParseQuery. */
export function parseQuery(input: string): Node {
  const p = new Parser(input, '');
  const doc = p.queryDocument();
  if (p.err) throw p.err;
  return doc;
}

/** gqlparser.ParseSchema; `src` names the source (the prelude is "prelude.graphql"). */
export function parseSchema(input: string, src = '', builtIn = false): Node {
  const p = new Parser(input, src);
  const doc = p.schemaDocument();
  if (p.err || !doc) throw p.err ?? new GQLError('invalid schema', undefined);
  for (const key of ['Definitions', 'Extensions']) {
    for (const d of (doc[key] as Node[] | null) ?? []) d.BuiltIn = builtIn;
  }
  return doc;
}
