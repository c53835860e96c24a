// Errors carry a stable code (OPA's) and a location; the text is rendered only when shown.

export interface Location {
  file: string;
  row: number;
  col: number;
  /** Offset of the first character in the source text (0-based). */
  offset: number;
}

export type ErrorCode =
  | 'rego_parse_error'
  | 'rego_compile_error'
  | 'rego_unsafe_var_error'
  | 'rego_recursion_error'
  | 'rego_type_error'
  | 'eval_conflict_error'
  | 'eval_type_error'
  | 'eval_builtin_error'
  | 'eval_internal_error'
  | 'eval_cancel_error'
  | 'eval_with_merge_error'
  | 'eval_budget_error';

export class RegoError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly location?: Location,
  ) {
    super(renderError(code, detail, location));
    this.name = 'RegoError';
  }
}

/** OPA's shape: compile errors `file:row:col: code: msg`, evaluation errors `file:row: code: msg`. */
export function renderError(code: ErrorCode, detail: string, loc?: Location): string {
  if (!loc) return `${code}: ${detail}`;
  const where = code.startsWith('rego_') ? `${loc.file}:${loc.row}:${loc.col}` : `${loc.file}:${loc.row}`;
  return `${where}: ${code}: ${detail}`;
}

/** Several compile errors reported together, as OPA does. */
export class CompileErrors extends Error {
  constructor(readonly errors: RegoError[]) {
    super(
      errors.length === 1
        ? errors[0].message
        : `${errors.length} errors occurred:\n` + errors.map((e) => e.message).join('\n'),
    );
    this.name = 'CompileErrors';
  }
}

/** A builtin raises this; the evaluator adds the builtin's name and call location. */
export class BuiltinError extends Error {
  constructor(
    message: string,
    readonly code: 'eval_type_error' | 'eval_builtin_error' = 'eval_builtin_error',
    /** Raised even without strict builtin errors (OPA's Halt). */
    readonly halt = false,
  ) {
    super(message);
    this.name = 'BuiltinError';
  }
}
