// The GraphQL lexer of gqlparser (vektah/gqlparser, vendored by OPA): the same token rules, error
// texts and positions. Also the AST conventions shared by the parser and validator: nodes are
// plain objects shaped like gqlparser's AST marshalled to JSON, positions live in a side table.

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

export enum T {
  Invalid, EOF, Bang, Dollar, Amp, ParenL, ParenR, Spread, Colon, Equals, At, BracketL, BracketR, BraceL,
  BraceR, Pipe, Name, Int, Float, String, BlockString, Comment,
}

export const kindText: Record<number, string> = {
  [T.Invalid]: '<Invalid>', [T.EOF]: '<EOF>', [T.Bang]: '!', [T.Dollar]: '$', [T.Amp]: '&', [T.ParenL]: '(',
  [T.ParenR]: ')', [T.Spread]: '...', [T.Colon]: ':', [T.Equals]: '=', [T.At]: '@', [T.BracketL]: '[',
  [T.BracketR]: ']', [T.BraceL]: '{', [T.BraceR]: '}', [T.Pipe]: '|', [T.Name]: 'Name', [T.Int]: 'Int',
  [T.Float]: 'Float', [T.String]: 'String', [T.BlockString]: 'BlockString', [T.Comment]: 'Comment',
};

export interface Token {
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

export const tokenText = (t: Token) => (t.value !== '' ? `${kindText[t.kind]} ${goStrconvQuote(t.value)}` : kindText[t.kind]);

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

export class Lexer {
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
