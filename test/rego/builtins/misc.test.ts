import { test } from 'node:test';
import assert from 'node:assert/strict';
import { miscBuiltins } from '../../../src/rego/builtins/misc.js';
import type { BuiltinContext } from '../../../src/rego/builtins/types.js';
import { RSet, toJSON, type Value } from '../../../src/rego/value.js';
import { assertBuiltinError, fakeContext, finder } from './helpers.js';

const call = finder(miscBuiltins);
const plain = (v: Value | undefined) => JSON.parse(JSON.stringify(toJSON(v as Value)));
const T = 1451311705000000000n;
const config = {
  aws_access_key: 'MYAWSACCESSKEYGOESHERE',
  aws_secret_access_key: 'MYAWSSECRETACCESSKEYGOESHERE',
  aws_service: 's3',
  aws_region: 'us-east-1',
};

test('opa.runtime answers the host value or {}', () => {
  assert.deepEqual(call('opa.runtime'), {});
  const runtime = miscBuiltins.find((b) => b.name === 'opa.runtime')!;
  const ctx: BuiltinContext = { ...fakeContext(), host: { runtime: { version: '1' } } };
  assert.deepEqual(runtime.fn([], ctx), { version: '1' });
  assert.deepEqual(plain(runtime.fn([], { ...fakeContext(), host: { env: { A: 'b' } } })), { env: { A: 'b' } });
});

test('providers.aws.sign_req signs with SigV4', () => {
  const out = plain(call('providers.aws.sign_req', { method: 'get', url: 'http://example.com' }, config, T));
  assert.deepEqual(out, {
    headers: {
      Authorization:
        'AWS4-HMAC-SHA256 Credential=MYAWSACCESSKEYGOESHERE/20151228/us-east-1/s3/aws4_request,SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature=0047a7016c81e5c7f29cd522f97e911e04fc472fced0aee7916cbc287ad6c8e3',
      host: 'example.com',
      'x-amz-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      'x-amz-date': '20151228T140825Z',
    },
    method: 'get',
    url: 'http://example.com',
  });
  const withBody = plain(
    call('providers.aws.sign_req', { method: 'get', url: 'http://example.com', body: { example: new RSet([1, 2, 3, 4]) } }, config, T),
  );
  assert.equal(withBody.headers['x-amz-content-sha256'], 'bacff6243c850423883052ac3c336fd645994442933408dfd3f9e858e69bda07');
  const unsigned = plain(
    call('providers.aws.sign_req', { method: 'get', url: 'https://example.com', headers: { foo: 'bar' } }, { ...config, disable_payload_signing: true }, T),
  );
  assert.equal(unsigned.headers['x-amz-content-sha256'], 'UNSIGNED-PAYLOAD');
  assert.match(unsigned.headers.Authorization, /Signature=c6e6db654e92172f71e18c714c123711de069ac6fd7df1348e5b28fd05532028$/);
  const token = plain(call('providers.aws.sign_req', { method: 'get', url: 'http://example.com' }, { ...config, aws_session_token: 'TOK' }, T));
  assert.equal(token.headers['x-amz-security-token'], 'TOK');
});

test('providers.aws.sign_req errors', () => {
  assertBuiltinError(
    () => call('providers.aws.sign_req', {}, config, T),
    'operand 1 missing required request parameters(s): {"method", "url"}',
  );
  assertBuiltinError(
    () => call('providers.aws.sign_req', { method: new RSet(), url: new RSet() }, config, T),
    'operand 1 invalid values for required request parameters(s): {"method", "url"}',
  );
  assertBuiltinError(
    () => call('providers.aws.sign_req', { method: 'get', url: 'u' }, { example: 'x' }, T),
    'operand 2 missing required AWS config parameters(s): {"aws_access_key", "aws_region", "aws_secret_access_key", "aws_service"}',
  );
  assertBuiltinError(
    () => call('providers.aws.sign_req', { method: 'get', url: 'u', foo: 1 }, config, T),
    'operand 1 invalid request parameters(s): {"foo"}',
  );
  assertBuiltinError(
    () => call('providers.aws.sign_req', { method: 'get', url: 'u' }, config, -1e9),
    'operand 3 could not convert time_ns value into a unix timestamp',
  );
  assertBuiltinError(
    () => call('providers.aws.sign_req', { method: 'get', url: 'u' }, { ...config, disable_payload_signing: 'false' }, T),
    "operand 2 invalid value for 'disable_payload_signing' in AWS config",
  );
});
