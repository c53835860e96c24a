// Cloud faults against the real agent process and a control plane on 127.0.0.1: after each fault
// the agent serves the last good policy, says degraded (/healthz, vengtoo_agent_degraded), counts
// the failure by reason, and recovers when the fault ends. Then the disk cache: read-only and full
// cache_dir (real mounts when root, see cacheMount), and kill -9 in the middle of a cache write,
// after which a restart with the cloud down serves the previous cached bundle at once.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeBundle } from '../../src/bundle/index.js';
import { untarGz } from '../../src/bundle/tar.js';
import { rawTarGz, testKey } from '../bundle/helpers.js';
import { signingKey } from '../cloud/fixtures.js';
import { http, metricSum, post, rssBytes, scrape, startAgent, type AgentProcess } from './lib/agent.js';
import { FaultCloud, type BundleFault } from './lib/cloud.js';

let root: string;
let keysPath: string;
const MiB = 1024 * 1024;
/** kill -9 rounds (scripts/reliability runs more). */
const KILL_ROUNDS = Number(process.env.RELIABILITY_KILL_ROUNDS ?? 1);

const source = (rev: string, extra = '') =>
  `package vengtoo.authz\n\ndecision := {"allowed": input.subject.id == "alice", "reason": "${rev}"}\n${extra}`;

function bundle(rev: string, opts: { key?: ReturnType<typeof testKey> | null; files?: { path: string; bytes: Uint8Array }[]; source?: string } = {}): Promise<Uint8Array> {
  const key = opts.key === undefined ? signingKey : opts.key;
  return writeBundle({
    modules: [{ file: 'vengtoo/authz.rego', source: opts.source ?? source(rev) }],
    manifest: { revision: rev, roots: ['vengtoo', 'blob'], metadata: { tenant_id: 'tenant-7' } },
    ...(opts.files ? { files: opts.files } : {}),
    ...(key ? { signing: { algorithm: key.algorithm, key: key.privateKey, keyId: 'cloud-1' } } : {}),
  });
}

/** A signed bundle whose policy was changed after signing. */
async function tampered(rev: string): Promise<Uint8Array> {
  const files = await untarGz(await bundle(rev), { maxBytes: 64 * MiB, maxFileBytes: 64 * MiB, maxFiles: 100 });
  return rawTarGz([...files].map(([path, body]) => ({ path, body: path.endsWith('.rego') ? source(rev, 'decision := {"allowed": true}') : body })));
}

const env = (cloud: FaultCloud, cacheDir: string, extra: Record<string, string> = {}) => ({
  HOME: root,
  VENGTOO_API_KEY: 'reliability-key',
  VENGTOO_CLOUD_URL: cloud.url,
  VENGTOO_CACHE_DIR: cacheDir,
  VENGTOO_POLL_INTERVAL: '200ms',
  VENGTOO_HEARTBEAT_INTERVAL: '1s',
  VENGTOO_AUDIT_FORWARDING: 'false',
  VENGTOO_TRUSTED_KEYS_PATH: keysPath,
  VENGTOO_BUNDLE_SIGNATURE_REQUIRED: 'true',
  ...extra,
});

const serving = async (a: AgentProcess): Promise<string> =>
  (await post(a.url + '/access/v1/evaluation', { subject: { type: 'user', id: 'alice' }, resource: { type: 'doc', id: 'd' }, action: { name: 'read' } })).json().reason;
const health = async (a: AgentProcess) => (await http(a.url + '/healthz')).json() as { degraded: boolean; status: string; bundle_revision?: string };

async function until(what: string, cond: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await cond()) return;
    } catch {
      /* not yet */
    }
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 40));
  }
}

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'vengtoo-cloudfaults-'));
  keysPath = join(root, 'trusted_keys.json');
  writeFileSync(keysPath, JSON.stringify({ 'cloud-1': { algorithm: signingKey.algorithm, key: signingKey.publicKey } }));
});

after(async () => {
  rmSync(root, { recursive: true, force: true });
});

interface Fault {
  name: string;
  /** Failure reasons (vengtoo_agent_bundle_sync_failures_total{reason}) this fault may count under. */
  reasons: string[];
  apply: (c: FaultCloud, next: string) => Promise<void> | void;
}

type Apply = (c: FaultCloud, next: string) => Promise<void> | void;
const fault = (name: string, reasons: string[], apply: Apply): Fault => ({ name, reasons, apply });
const withBundle = (f: BundleFault): Apply => async (c, next) => {
  c.setBundle(await bundle(next));
  c.fault = f;
};
/** 100 MB behind a gzip magic number: refused by size before anything reads the content. */
const hundredMB = () => Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.alloc(100 * MiB, 0x41)]);

/** Three groups run side by side (each with its own control plane and agent) to keep the run short. */
const GROUPS: Fault[][] = [
  [
    fault('cloud down (connection refused)', ['network'], (c) => c.stop()),
    fault('HTTP 500', ['http'], (c) => void (c.fault = { mode: 'status', status: 500 })),
    fault('HTTP 503', ['http'], (c) => void (c.fault = { mode: 'status', status: 503 })),
    fault('truncated bundle', ['network', 'bundle'], withBundle({ mode: 'truncate' })),
    fault('corrupt gzip', ['bundle'], async (c, next) => {
      const b = Buffer.from(await bundle(next));
      for (let i = 20; i < b.length - 20; i += 7) b[i] ^= 0x5a;
      c.fault = { mode: 'bytes', bytes: b, length: true };
    }),
  ],
  [
    fault('slow response past the 5 s timeout', ['timeout'], withBundle({ mode: 'drip', everyMs: 100 })),
    fault('signed with an untrusted key', ['signature'], async (c, next) => c.setBundle(await bundle(next, { key: testKey('ES256') }))),
    fault('policy changed after signing', ['signature'], async (c, next) => c.setBundle(await tampered(next))),
    fault('unsigned (signature required)', ['signature'], async (c, next) => c.setBundle(await bundle(next, { key: null }))),
  ],
  [
    fault('does not compile', ['rejected'], async (c, next) => c.setBundle(await bundle(next, { source: 'package vengtoo.authz\n\ndecision := {' }))),
    fault('100 MB download (Content-Length)', ['too_large'], (c) => void (c.fault = { mode: 'bytes', bytes: hundredMB(), length: true })),
    fault('100 MB download (chunked, no Content-Length)', ['too_large'], (c) => void (c.fault = { mode: 'bytes', bytes: hundredMB(), length: false })),
    fault('bundle that compiles but inflates to 100 MB (a 100 MB data file)', ['bundle'], async (c, next) => {
      const blob = Buffer.concat([Buffer.from('{"x":"'), Buffer.alloc(100 * MiB, 'a'), Buffer.from('"}')]);
      c.setBundle(await bundle(next, { files: [{ path: 'blob/data.json', bytes: blob }] }));
    }),
  ],
];

async function runGroup(faults: Fault[], g: number): Promise<{ lines: string[]; agent: AgentProcess; stop: () => Promise<void> }> {
  const c = await new FaultCloud().start();
  c.setBundle(await bundle('r0'));
  const a = await startAgent([], { env: env(c, join(root, `cache-faults-${g}`)) });
  const lines: string[] = [];
  let rev = 'r0';
  await until('first sync', async () => (await serving(a)) === 'r0' && !(await health(a)).degraded);
  const rss0 = rssBytes(a.proc.pid!);
  let rssMax = rss0;
  for (const [i, f] of faults.entries()) {
    const next = `r${i + 1}`;
    const before = await scrape(a);
    const t0 = Date.now();
    await f.apply(c, next);
    await until(`${f.name}: degraded`, async () => (await health(a)).degraded, 20_000);
    const text = await scrape(a);
    const counted = f.reasons.filter((r) => metricSum(text, 'vengtoo_agent_bundle_sync_failures_total', { reason: r }) > metricSum(before, 'vengtoo_agent_bundle_sync_failures_total', { reason: r }));
    assert.ok(counted.length > 0, `${f.name}: a failure counted under ${f.reasons.join('/')}`);
    assert.equal(metricSum(text, 'vengtoo_agent_degraded'), 1);
    assert.equal(await serving(a), rev, `${f.name}: the last good policy serves`);
    assert.equal((await http(a.url + '/readyz')).status, 200);
    const degradedAfter = Date.now() - t0;
    rssMax = Math.max(rssMax, rssBytes(a.proc.pid!));
    // the fault ends: a good new revision
    const t1 = Date.now();
    if (f.name.startsWith('cloud down')) await c.start();
    c.fault = { mode: 'ok' };
    c.cutSlow();
    c.setBundle(await bundle(next));
    await until(`${f.name}: recovered`, async () => (await serving(a)) === next && !(await health(a)).degraded, 20_000);
    lines.push(`${f.name}: degraded after ${degradedAfter} ms (counted as ${counted.join('/')}), kept serving ${rev}, recovered to ${next} ${Date.now() - t1} ms after the fault ended`);
    rev = next;
  }
  lines.push(`(group ${g}: agent RSS ${Math.round(rss0 / MiB)} MB before, at most ${Math.round(rssMax / MiB)} MB during these faults)`);
  return {
    lines,
    agent: a,
    stop: async () => {
      await a.stop();
      await c.stop();
    },
  };
}

/**
 * A directory whose fault can be switched on and off: a read-only bind mount or a 1 MiB tmpfs
 * (root only). Without root, read-only falls back to chmod and full is not available.
 */
function cacheMount(kind: 'readonly' | 'full'): { dir: string; fault: (on: boolean) => void; cleanup: () => void } | string {
  const dir = join(root, `cache-${kind}`);
  mkdirSync(dir, { recursive: true });
  const sh = (cmd: string[]) => spawnSync(cmd[0], cmd.slice(1), { encoding: 'utf8' });
  const isRoot = process.getuid?.() === 0;
  if (kind === 'readonly') {
    if (isRoot && sh(['mount', '--bind', dir, dir]).status === 0) {
      return {
        dir,
        fault: (on) => void sh(['mount', '-o', `remount,bind,${on ? 'ro' : 'rw'}`, dir]),
        cleanup: () => void sh(['umount', dir]),
      };
    }
    if (isRoot) return 'root without mount permission: chmod does not stop root';
    return { dir, fault: (on) => chmodSync(dir, on ? 0o500 : 0o700), cleanup: () => chmodSync(dir, 0o700) };
  }
  if (isRoot && sh(['mount', '-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir]).status === 0) {
    return {
      dir,
      fault: (on) => void sh(['mount', '-o', `remount,size=${on ? '1m' : '64m'}`, dir]),
      cleanup: () => void sh(['umount', dir]),
    };
  }
  return 'needs root and tmpfs mounts';
}

// The four scenarios are independent (own control plane, agent and cache dir each): run side by side.
describe('cloud faults', { concurrency: true }, () => {
  it('network and bundle faults: last good policy served, degraded, counted, recovered', { timeout: 120_000 }, async (t) => {
    const groups = await Promise.allSettled(GROUPS.map((g, i) => runGroup(g, i)));
    try {
      for (const g of groups) if (g.status === 'rejected') throw g.reason;
      const [, , big] = groups.map((g) => (g as PromiseFulfilledResult<Awaited<ReturnType<typeof runGroup>>>).value);
      t.diagnostic(groups.flatMap((g) => (g as PromiseFulfilledResult<{ lines: string[] }>).value.lines).join('\n'));
      // the 100 MB cases are refused with a clear log line naming the limit
      const a = big.agent;
      await a.waitForLine((l) => l.msg === 'bundle sync failed; keeping the active policy' && l.reason === 'too_large' && /exceeds the limit of 67108864 bytes/.test(String(l.err)), 5000);
      const inflated = await a.waitForLine((l) => l.msg === 'bundle sync failed; keeping the active policy' && l.reason === 'bundle' && /67108864/.test(String(l.err)), 5000);
      t.diagnostic(`100 MB inflated bundle: ${String(inflated.err)}`);
      for (const g of groups) assert.equal((g as PromiseFulfilledResult<{ agent: AgentProcess }>).value.agent.proc.exitCode, null);
    } finally {
      for (const g of groups) if (g.status === 'fulfilled') await g.value.stop();
    }
  });

  for (const kind of ['readonly', 'full'] as const) {
    it(`${kind === 'readonly' ? 'read-only' : 'full'} cache_dir: the new policy serves, degraded until the cache is written, then recovers`, async (t) => {
      const m = cacheMount(kind);
      if (typeof m === 'string') return t.skip(m);
      const cloud = await new FaultCloud().start();
      cloud.setBundle(await bundle(`${kind}-1`));
      const a = await startAgent([], { env: env(cloud, m.dir) });
      try {
        await until('first sync', async () => (await serving(a)) === `${kind}-1` && !(await health(a)).degraded);
        await until('cached', async () => JSON.parse(readFileSync(join(m.dir, 'current.json'), 'utf8')).revision === `${kind}-1`);
        m.fault(true);
        // 2 MiB of incompressible data: more than the full tmpfs holds
        const big = Buffer.from(JSON.stringify({ x: randomBytes(1536 * 1024).toString('base64') }));
        cloud.setBundle(await bundle(`${kind}-2`, { files: [{ path: 'blob/data.json', bytes: big }] }));
        await until('new revision serving', async () => (await serving(a)) === `${kind}-2`);
        await until('degraded', async () => (await health(a)).degraded);
        const text = await scrape(a);
        assert.ok(metricSum(text, 'vengtoo_agent_bundle_cache_errors_total', { op: 'write' }) >= 1, text.split('\n').filter((l) => l.includes('cache')).join('\n'));
        assert.equal(metricSum(text, 'vengtoo_agent_degraded'), 1);
        const logged = await a.waitForLine((l) => l.msg === 'cannot write the bundle cache; serving on from memory', 5000);
        // the cache still names the previous, complete bundle
        assert.equal(JSON.parse(readFileSync(join(m.dir, 'current.json'), 'utf8')).revision, `${kind}-1`);
        t.diagnostic(`cache error: ${String(logged.err)}`);
        m.fault(false);
        await until('recovered', async () => !(await health(a)).degraded);
        assert.equal(JSON.parse(readFileSync(join(m.dir, 'current.json'), 'utf8')).revision, `${kind}-2`);
        await a.waitForLine((l) => l.msg === 'bundle cache written again', 5000);
      } finally {
        await a.stop();
        await cloud.stop();
        m.cleanup();
      }
    });
  }

});

// Not side by side with the others: catching the write needs this process's event loop free.
it('kill -9 in the middle of a cache write: the restart serves the previous cached bundle at once', { timeout: 180_000 }, async (t) => {
  const dir = join(root, 'cache-kill');
  const rounds: string[] = [];
  // ~8 MiB of incompressible data: a write that takes long enough to be interrupted
  const big = Buffer.from(JSON.stringify({ x: randomBytes(6 * MiB).toString('base64') }));
  let previous = 'k0';
  let serial = 0;
  const cloud = await new FaultCloud().start();
  cloud.setBundle(await bundle(previous));

  /** Offers a big new bundle and kills the agent while its cache file is being written. */
  async function offerAndKill(a: AgentProcess, next: string): Promise<string> {
    let killedDuring = '';
    let w: ReturnType<typeof watch> | undefined;
    const caught = new Promise<void>((resolve) => {
      // A temp file growing past 1 MiB is the new bundle being written (current.json is rewritten
      // through a small temp file on every 304: not the write this round interrupts). A new temp
      // file is followed closely (every turn of the event loop) while it exists.
      const follow = (name: string): void => {
        if (killedDuring !== '') return;
        let size: number;
        try {
          size = statSync(join(dir, name)).size;
        } catch {
          return; // renamed or removed: that write completed
        }
        if (size > MiB) {
          killedDuring = `${name} (${(size / MiB).toFixed(1)} MiB written so far)`;
          a.proc.kill('SIGKILL');
          resolve();
          return;
        }
        setImmediate(() => follow(name));
      };
      w = watch(dir, (_e, name) => {
        if (typeof name === 'string' && name.startsWith('.tmp-')) follow(name);
      });
    });
    cloud.setBundle(await bundle(next, { files: [{ path: 'blob/data.json', bytes: big }] }));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([caught, until(`${next} cached`, async () => JSON.parse(readFileSync(join(dir, 'current.json'), 'utf8')).revision === next, 20_000).catch(() => undefined), new Promise((r) => (timer = setTimeout(r, 20_000)))]);
    clearTimeout(timer);
    w?.close();
    return killedDuring;
  }

  for (let round = 1; round <= KILL_ROUNDS; round++) {
    const a = await startAgent([], { env: env(cloud, dir) });
    let killedDuring = '';
    let next = '';
    try {
      await until('serving the previous bundle', async () => (await serving(a)) === previous && !(await health(a)).degraded);
      await until('previous bundle cached', async () => JSON.parse(readFileSync(join(dir, 'current.json'), 'utf8')).revision === previous);
      // The write is short: when it completes before it is caught, that bundle becomes the
      // previous one and a new one is offered (at most 3 tries).
      for (let attempt = 1; attempt <= 3 && killedDuring === ''; attempt++) {
        next = `k${++serial}`;
        killedDuring = await offerAndKill(a, next);
        if (killedDuring === '') previous = next;
      }
      a.proc.kill('SIGKILL'); // (already dead, unless no write was caught)
      await a.exited;
      assert.notEqual(killedDuring, '', 'the agent was killed while a cache temp file was being written');
      // Whatever the kill interrupted, current.json names a complete bundle: the previous one
      // (the rename had not happened) — never a torn one.
      const cur = JSON.parse(readFileSync(join(dir, 'current.json'), 'utf8'));
      assert.equal(cur.revision, previous);
      // restart with the cloud down: the cached bundle serves at once
      await cloud.stop();
      const b = await startAgent([], { env: env(cloud, dir) });
      try {
        assert.equal((await http(b.url + '/readyz')).status, 200);
        assert.equal(await serving(b), previous);
        await until('degraded with the cloud down', async () => (await health(b)).degraded);
        await cloud.start();
        await until('recovered to the new bundle', async () => (await serving(b)) === next && !(await health(b)).degraded, 20_000);
        await until('new bundle cached', async () => JSON.parse(readFileSync(join(dir, 'current.json'), 'utf8')).revision === next);
        assert.deepEqual(readdirSync(dir).filter((n) => n.startsWith('.tmp-')), [], 'leftover temp files pruned');
        rounds.push(`round ${round}: killed while writing ${killedDuring}; restart served ${previous} at once, then synced ${next}`);
        previous = next;
      } finally {
        await b.stop();
      }
    } finally {
      await a.stop('SIGKILL');
    }
  }
  t.diagnostic(rounds.join('\n'));
  await cloud.stop();
});
