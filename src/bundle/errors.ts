// Errors raised while reading, writing, signing or verifying a bundle. Each carries a stable
// code (tests and metrics use it) and, where one applies, the bundle file it is about.

export type BundleErrorCode =
  | 'not_gzip'
  | 'corrupt_archive'
  | 'bundle_too_large'
  | 'file_too_large'
  | 'too_many_files'
  | 'unsafe_path'
  | 'unsupported_entry'
  | 'duplicate_file'
  | 'invalid_json'
  | 'invalid_yaml'
  | 'invalid_utf8'
  | 'data_conflict'
  | 'manifest_invalid'
  | 'roots_violation'
  | 'signature_missing'
  | 'signature_no_keys'
  | 'signature_malformed'
  | 'signature_unknown_key'
  | 'signature_alg_mismatch'
  | 'signature_invalid'
  | 'signature_scope_mismatch'
  | 'file_unsigned'
  | 'file_missing'
  | 'hash_mismatch'
  | 'key_invalid';

export class BundleError extends Error {
  readonly code: BundleErrorCode;
  readonly file: string | undefined;

  constructor(code: BundleErrorCode, message: string, file?: string, options?: { cause?: unknown }) {
    super(file !== undefined ? `${file}: ${message}` : message, options);
    this.name = 'BundleError';
    this.code = code;
    this.file = file;
  }

  /** True for the codes that mean "the signature does not hold" (as opposed to a broken archive). */
  get isSignatureError(): boolean {
    return this.code.startsWith('signature_') || this.code === 'file_unsigned' || this.code === 'file_missing' || this.code === 'hash_mismatch';
  }
}
