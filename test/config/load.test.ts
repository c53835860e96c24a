import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ConfigError, KEY_NAMES, formatDuration, loadConfig, parseDuration, parseListen, redacted, type ConfigSources } from '../../src/config/index.js';

const HOME = '/home/u';
const CWD = '/work/app';

function load(over: Partial<ConfigSources> & { files?: Record<string, string> } = {}) {
  const files = over.files ?? {};
  return loadConfig({
    cwd: CWD,
    home: HOME,
    hostname: 'host-1',
    readFile: (p) => files[p],
    flags: { policy: 'policy.rego' },
    ...over,
  });
}

function fails(over: Parameters<typeof load>[0], key: string, pattern: RegExp): void {
  assert.throws(
    () => load(over),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError, String(e));
      assert.equal(e.key, key);
      assert.match(e.message, pattern);
      return true;
    },
  );
}

describe('durations (Go syntax)', () => {
  const ok: [string, number][] = [
    ['30s', 30_000],
    ['1m30s', 90_000],
    ['500ms', 500],
    ['2h', 7_200_000],
    ['1.5h', 5_400_000],
    ['1h2m3s4ms', 3_723_004],
    ['250us', 0.25],
    ['0', 0],
  ];
  for (const [text, ms] of ok) it(`${text} = ${ms} ms`, () => assert.equal(parseDuration(text), ms));
  for (const bad of ['', '30', 's', '1x', '-5s', '1m 30s', '5 s', 'abc', '1..5s'])
    it(`rejects ${JSON.stringify(bad)}`, () => assert.equal(parseDuration(bad), undefined));
  it('formats back', () => {
    assert.equal(formatDuration(90_000), '1m30s');
    assert.equal(formatDuration(500), '500ms');
    assert.equal(formatDuration(7_200_000), '2h');
    assert.equal(formatDuration(3_600_000 + 5000), '1h0m5s');
  });
});

describe('defaults', () => {
  it('has every key of PRODUCT.md §7 with its default', () => {
    const { config } = load();
    assert.equal(config.api_key, '');
    assert.equal(config.client_secret, '');
    assert.equal(config.cloud_url, 'https://api.vengtoo.com');
    assert.equal(config.tenant_id, '');
    assert.equal(config.listen_addr, '0.0.0.0:8181');
    assert.equal(config.poll_interval, 30_000);
    assert.equal(config.cache_dir, join(HOME, '.vengtoo', 'bundles'));
    assert.equal(config.log_level, 'info');
    assert.equal(config.decision_log, false);
    assert.equal(config.agent_name, 'host-1');
    assert.equal(config.agent_region, '');
    assert.equal(config.agent_domain, '');
    assert.equal(config.heartbeat_interval, 30_000);
    assert.equal(config.audit_forwarding, true);
    assert.equal(config.audit_endpoint, 'https://api.vengtoo.com/v1/agent/decisions');
    assert.equal(config.audit_batch_size, 100);
    assert.equal(config.audit_batch_interval, 5000);
    assert.equal(config.audit_buffer_size, 10_000);
    assert.equal(config.audit_retry_attempts, 5);
    assert.equal(config.trusted_keys_path, join(HOME, '.vengtoo', 'trusted_keys.json'));
    assert.equal(config.bundle_signature_required, false);
    assert.equal(config.agent_hosting, 'self');
    assert.equal(config.decision_path, 'vengtoo/authz/decision');
    assert.equal(config.bundle_url, '');
    assert.equal(config.max_body_bytes, 1024 * 1024);
    assert.equal(config.max_connections, 10_000);
    assert.equal(config.max_depth, 64);
    assert.equal(config.shutdown_timeout, 10_000);
    assert.equal(config.policy, join(CWD, 'policy.rego'));
    assert.equal(config.mode, 'local');
  });

  it('derives audit_endpoint from cloud_url', () => {
    const { config } = load({ env: { VENGTOO_CLOUD_URL: 'https://eu.example.com/' } });
    assert.equal(config.audit_endpoint, 'https://eu.example.com/v1/agent/decisions');
  });
});

describe('sources and precedence', () => {
  const yaml = 'log_level: warn\npoll_interval: 1m\ndecision_log: true\nmax_depth: 10\n';

  it('reads ./vengtoo-agent.yaml, else ~/.vengtoo/agent.yaml', () => {
    const both = load({ files: { [join(CWD, 'vengtoo-agent.yaml')]: 'log_level: warn\n', [join(HOME, '.vengtoo/agent.yaml')]: 'log_level: error\n' } });
    assert.equal(both.config.log_level, 'warn');
    assert.equal(both.file, join(CWD, 'vengtoo-agent.yaml'));
    const home = load({ files: { [join(HOME, '.vengtoo/agent.yaml')]: 'log_level: error\n' } });
    assert.equal(home.config.log_level, 'error');
    assert.equal(load().file, '');
  });

  it('--config wins over the default locations, and must exist', () => {
    const files = { [join(CWD, 'vengtoo-agent.yaml')]: 'log_level: warn\n', '/etc/v.yaml': 'log_level: debug\n' };
    assert.equal(load({ files, configPath: '/etc/v.yaml' }).config.log_level, 'debug');
    assert.equal(load({ files, env: { VENGTOO_CONFIG: '/etc/v.yaml' } }).config.log_level, 'debug');
    fails({ configPath: 'nope.yaml' }, '', /config file not found: \/work\/app\/nope\.yaml/);
  });

  it('flag > env > YAML > default, per key', () => {
    const r = load({
      files: { [join(CWD, 'vengtoo-agent.yaml')]: yaml },
      env: { VENGTOO_POLL_INTERVAL: '2m', VENGTOO_MAX_DEPTH: '20' },
      flags: { policy: 'p.rego', max_depth: '30' },
    });
    assert.equal(r.config.log_level, 'warn');
    assert.equal(r.config.poll_interval, 120_000);
    assert.equal(r.config.max_depth, 30);
    assert.equal(r.config.decision_log, true);
    assert.equal(r.config.heartbeat_interval, 30_000);
    assert.deepEqual(
      [r.origins.log_level, r.origins.poll_interval, r.origins.max_depth, r.origins.heartbeat_interval],
      ['file', 'env', 'flag', 'default'],
    );
  });

  it('an empty environment variable is treated as unset', () => {
    const r = load({ files: { [join(CWD, 'vengtoo-agent.yaml')]: yaml }, env: { VENGTOO_LOG_LEVEL: '' } });
    assert.equal(r.config.log_level, 'warn');
  });

  it('booleans from env: true/false/1/0', () => {
    for (const [v, want] of [['true', true], ['1', true], ['FALSE', false], ['0', false]] as const) {
      assert.equal(load({ env: { VENGTOO_DECISION_LOG: v } }).config.decision_log, want);
    }
  });

  it('unknown VENGTOO_* variables become warnings, not errors', () => {
    const r = load({ env: { VENGTOO_DECISON_LOG: 'true' } });
    assert.match(r.warnings[0], /VENGTOO_DECISON_LOG.*did you mean VENGTOO_DECISION_LOG/);
  });

  it('resolves paths: ~ to home, YAML-relative paths against the YAML file', () => {
    const r = load({ files: { '/etc/vengtoo/agent.yaml': 'policy: policies/main\ncache_dir: ~/cache\n' }, configPath: '/etc/vengtoo/agent.yaml', flags: {} });
    assert.equal(r.config.policy, '/etc/vengtoo/policies/main');
    assert.equal(r.config.cache_dir, '/home/u/cache');
    assert.equal(load({ env: { VENGTOO_POLICY: './x.rego' }, flags: {} }).config.policy, '/work/app/x.rego');
  });

  it('sizes accept suffixes', () => {
    assert.equal(load({ env: { VENGTOO_MAX_BODY_BYTES: '64KiB' } }).config.max_body_bytes, 65536);
    assert.equal(load({ env: { VENGTOO_MAX_BODY_BYTES: '2MB' } }).config.max_body_bytes, 2_000_000);
    assert.equal(load({ env: { VENGTOO_MAX_BODY_BYTES: '4096' } }).config.max_body_bytes, 4096);
  });

  it('max_connections from the environment, YAML or a flag; 0 = unlimited', () => {
    assert.equal(load({ env: { VENGTOO_MAX_CONNECTIONS: '250' } }).config.max_connections, 250);
    assert.equal(load({ env: { VENGTOO_MAX_CONNECTIONS: '0' } }).config.max_connections, 0);
    assert.equal(load({ files: { '/c.yaml': 'max_connections: 64\n' }, configPath: '/c.yaml' }).config.max_connections, 64);
    assert.equal(load({ env: { VENGTOO_MAX_CONNECTIONS: '250' }, flags: { policy: 'p', max_connections: '2' } }).config.max_connections, 2);
  });

  it('normalises decision_path written as a data reference', () => {
    assert.equal(load({ env: { VENGTOO_DECISION_PATH: 'data.app.authz.result' } }).config.decision_path, 'app/authz/result');
  });
});

describe('modes', () => {
  it('cloud mode with an api key (or bundle_url) and no policy', () => {
    assert.equal(load({ flags: {}, env: { VENGTOO_API_KEY: 'k' } }).config.mode, 'cloud');
    assert.equal(load({ flags: {}, env: { VENGTOO_BUNDLE_URL: 'https://b.example.com/b.tar.gz' } }).config.mode, 'cloud');
  });
  it('no policy and no api key is an error naming api_key', () => {
    fails({ flags: {} }, 'api_key', /no policy and no API key/);
  });
});

describe('invalid values name the key and the source', () => {
  const yamlAt = (text: string) => ({ files: { '/c.yaml': text }, configPath: '/c.yaml' });
  const cases: [string, Parameters<typeof load>[0], string, RegExp][] = [
    ['unknown YAML key', yamlAt('poll_intervall: 30s\n'), 'poll_intervall', /\/c\.yaml.*unknown key \(did you mean poll_interval\?\)/],
    ['bad duration (env)', { env: { VENGTOO_POLL_INTERVAL: '30' } }, 'poll_interval', /from VENGTOO_POLL_INTERVAL\): invalid duration "30"/],
    ['bare number duration (YAML)', yamlAt('heartbeat_interval: 30\n'), 'heartbeat_interval', /invalid duration 30/],
    ['bad number', yamlAt('audit_batch_size: lots\n'), 'audit_batch_size', /invalid number "lots"/],
    ['fractional number', { env: { VENGTOO_AUDIT_BUFFER_SIZE: '1.5' } }, 'audit_buffer_size', /whole number/],
    ['number below minimum', { env: { VENGTOO_AUDIT_BATCH_SIZE: '0' } }, 'audit_batch_size', /below the minimum 1/],
    ['bad boolean', { env: { VENGTOO_AUDIT_FORWARDING: 'yes' } }, 'audit_forwarding', /invalid boolean "yes"/],
    ['bad log level', { flags: { policy: 'p', log_level: 'loud' } }, 'log_level', /from --log-level\): invalid log level "loud"/],
    ['bad listen address', { flags: { policy: 'p', listen_addr: '8181' } }, 'listen_addr', /invalid listen address "8181"/],
    ['port out of range', { env: { VENGTOO_LISTEN_ADDR: ':70000' } }, 'listen_addr', /invalid listen address/],
    ['bad URL', { env: { VENGTOO_CLOUD_URL: 'api.vengtoo.com' } }, 'cloud_url', /invalid URL/],
    ['non-http URL', { env: { VENGTOO_BUNDLE_URL: 'ftp://x/b.tgz' } }, 'bundle_url', /http or https/],
    ['bad size', { env: { VENGTOO_MAX_BODY_BYTES: '1 parsec' } }, 'max_body_bytes', /invalid size/],
    ['negative max_connections', { env: { VENGTOO_MAX_CONNECTIONS: '-1' } }, 'max_connections', /invalid number "-1"/],
    ['non-numeric max_connections', yamlAt('max_connections: many\n'), 'max_connections', /invalid number "many"/],
    ['bad decision path', { env: { VENGTOO_DECISION_PATH: 'a b/c' } }, 'decision_path', /invalid rule path/],
    ['a mapping for a string', yamlAt('agent_name:\n  a: 1\n'), 'agent_name', /expected a string, got a mapping/],
    ['YAML that is not a mapping', yamlAt('- 1\n'), '', /must be a mapping/],
    ['broken YAML', yamlAt('a: [1\n'), '', /invalid YAML/],
  ];
  for (const [what, over, key, pattern] of cases) it(what, () => fails(over, key, pattern));
});

describe('helpers', () => {
  it('parseListen', () => {
    assert.deepEqual(parseListen('0.0.0.0:8181'), { host: '0.0.0.0', port: 8181 });
    assert.deepEqual(parseListen(':8181'), { host: '', port: 8181 });
    assert.deepEqual(parseListen('[::1]:0'), { host: '::1', port: 0 });
    assert.deepEqual(parseListen('localhost:80'), { host: 'localhost', port: 80 });
    assert.equal(parseListen('localhost'), undefined);
  });
  it('redacted hides secrets and lists every key', () => {
    const { config } = load({ env: { VENGTOO_API_KEY: 'k', VENGTOO_CLIENT_SECRET: 's' } });
    const r = redacted(config);
    assert.equal(r.api_key, '<redacted>');
    assert.equal(r.client_secret, '<redacted>');
    for (const k of KEY_NAMES) assert.ok(k in r, k);
  });
});
