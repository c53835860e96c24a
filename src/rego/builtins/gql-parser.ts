// The GraphQL parser of gqlparser: query and schema documents with its grammar, its error texts
// and positions, producing nodes shaped like gqlparser's AST marshalled to JSON.

import { GQLError, Kind, kindText, Lexer, positions, T, tokenText, goStrconvQuote, type Node, type Pos, type Token } from './gql-lexer.js';

export { at, GQLError, goStrconvQuote, Kind, positions, type Node, type Pos } from './gql-lexer.js';

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
