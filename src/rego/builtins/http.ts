// http.send: request validation as OPA does it; the request itself goes through the host's
// httpSend hook (the engine does no I/O). Without a hook, http.send fails with an error.

import { BuiltinError } from '../errors.js';
import { isObject, keyOf, objectGet, objectKeys, type Value } from '../value.js';
import { typeError, type BuiltinDef } from './types.js';

const ALLOWED = new Set([
  'method',
  'url',
  'body',
  'enable_redirect',
  'force_json_decode',
  'force_yaml_decode',
  'headers',
  'raw_body',
  'tls_use_system_certs',
  'tls_ca_cert',
  'tls_ca_cert_file',
  'tls_ca_cert_env_variable',
  'tls_client_cert',
  'tls_client_cert_file',
  'tls_client_cert_env_variable',
  'tls_client_key',
  'tls_client_key_file',
  'tls_client_key_env_variable',
  'tls_insecure_skip_verify',
  'tls_server_name',
  'timeout',
  'cache',
  'force_cache',
  'force_cache_duration_seconds',
  'raise_error',
  'caching_mode',
  'max_retry_attempts',
  'cache_ignored_headers',
]);
const REQUIRED = ['method', 'url'];

function quoteSet(names: string[]): string {
  return '{' + names.map((n) => JSON.stringify(n)).join(', ') + '}';
}

export const httpBuiltins: BuiltinDef[] = [
  {
    name: 'http.send',
    args: ['object'],
    result: 'object',
    nondeterministic: true,
    fn: (args, ctx) => {
      const req = args[0];
      if (!isObject(req)) typeError(0, 'object', req);
      const raiseError = objectGet(req, 'raise_error');
      if (raiseError !== undefined && typeof raiseError !== 'boolean') {
        throw new BuiltinError('invalid value for raise_error field');
      }
      const keys = objectKeys(req).map(String);
      const invalid = keys.filter((k) => !ALLOWED.has(k)).sort();
      const missing = REQUIRED.filter((k) => objectGet(req, k) === undefined);
      const problem =
        invalid.length > 0
          ? `invalid request parameters(s): ${quoteSet(invalid)}`
          : missing.length > 0
            ? `missing required request parameters(s): ${quoteSet(missing)}`
            : undefined;
      if (problem !== undefined) {
        const msg = `operand 1 ${problem}`;
        // With raise_error false OPA answers an error object instead (code and text as it does).
        if (raiseError === false) {
          return {
            status_code: 0,
            error: { code: 'eval_http_send_internal_error', message: `${ctx.location}: eval_type_error: http.send: ${msg}` },
          };
        }
        throw new BuiltinError(msg, 'eval_type_error');
      }
      if (!ctx.host.httpSend) throw new BuiltinError('http.send is disabled on this host');
      // One evaluation sends an identical request once (OPA's per-query cache).
      const memoKey = 'http.send:' + String(keyOf(req));
      const cached = ctx.memo.get(memoKey);
      if (cached !== undefined) return cached;
      const resp: Value = ctx.host.httpSend(req);
      ctx.memo.set(memoKey, resp);
      return resp;
    },
  },
];
