// Local mode lifecycle: not ready until the policy exists, hot reload on edits (including
// editors that save by rename), a broken edit keeps the last good policy serving.

import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { http, metricValue, post, startAgent, waitFor, type AgentProcess } from './helpers.js';

let dir: string;
let policy: string;
let agent: AgentProcess;

const req = (id: string) => ({ subject: { type: 'user', id }, resource: { type: 'doc', id: 'd' }, action: { name: 'read' } });
const decisionFor = async (id: string) => (await post(agent.url + '/access/v1/evaluation', req(id))).json().decision as boolean;

/** Saves like an editor that writes a temp file and renames it over the original. */
function saveByRename(path: string, text: string): void {
  const tmp = path + '.swp~';
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vengtoo-reload-'));
  policy = join(dir, 'policy.rego');
  agent = await startAgent(['--policy', policy], { env: { VENGTOO_WATCH_INTERVAL: '200ms' } });
});

after(async () => {
  assert.equal(await agent.stop(), 0);
  rmSync(dir, { recursive: true, force: true });
});

it('is not ready (503) while the policy path does not exist, and says why in the log', async () => {
  assert.equal((await http(agent.url + '/readyz')).status, 503);
  const r = await post(agent.url + '/access/v1/evaluation', req('alice'));
  assert.equal(r.status, 503);
  assert.match(r.json().error, /no policy loaded/);
  assert.equal((await http(agent.url + '/healthz')).status, 200, 'alive even when not ready');
  await agent.waitForLine((l) => l.level === 'WARN' && /does not exist yet/.test(String(l.msg)));
});

it('becomes ready when the policy file appears', async () => {
  writeFileSync(policy, 'package vengtoo.authz\n\ndecision := input.subject.id == "alice"\n');
  await waitFor(async () => ((await http(agent.url + '/readyz')).status === 200 ? true : undefined));
  assert.equal(await decisionFor('alice'), true);
  assert.equal(await decisionFor('bob'), false);
});

it('reloads an edit (saved by rename) and serves the new policy', async () => {
  saveByRename(policy, 'package vengtoo.authz\n\ndecision := input.subject.id == "bob"\n');
  await waitFor(async () => ((await decisionFor('bob')) ? true : undefined));
  assert.equal(await decisionFor('alice'), false);
  await agent.waitForLine((l) => l.msg === 'policy reloaded');
});

it('reloads when data.json beside the policy changes', async () => {
  writeFileSync(policy, 'package vengtoo.authz\n\ndecision := input.subject.id in data.allowed\n');
  writeFileSync(join(dir, 'data.json'), '{"allowed": ["carol"]}');
  await waitFor(async () => ((await decisionFor('carol')) ? true : undefined));
  writeFileSync(join(dir, 'data.json'), '{"allowed": ["dave"]}');
  await waitFor(async () => ((await decisionFor('dave')) ? true : undefined));
  assert.equal(await decisionFor('carol'), false);
});

it('keeps the last good policy on a broken edit, logging file:line:col and counting the failure', async () => {
  const failures = () => http(agent.url + '/metrics').then((r) => metricValue(r.body, 'vengtoo_agent_policy_reloads_total', { result: 'failure' }));
  const before = await failures();
  writeFileSync(policy, 'package vengtoo.authz\n\ndecision := nosuchfunction(input.subject.id)\n');
  const line = await agent.waitForLine((l) => l.level === 'ERROR' && /policy reload failed/.test(String(l.msg)));
  assert.match(String(line.msg), /last good policy keeps serving/);
  assert.match(String(line.error), /policy\.rego:3:\d+: rego_type_error/);
  const errors = line.errors as { file: string; row: number; col: number; code: string }[];
  assert.equal(errors[0].row, 3);
  assert.ok(errors[0].col > 0);
  assert.match(errors[0].file, /policy\.rego$/);
  assert.equal(await failures(), before + 1);
  // still serving the previous policy
  assert.equal(await decisionFor('dave'), true);
  assert.equal((await http(agent.url + '/readyz')).status, 200);

  // a syntax error is reported the same way
  writeFileSync(policy, 'package vengtoo.authz\n\ndecision := {"allowed": true\n');
  await agent.waitForLine((l) => /policy reload failed/.test(String(l.msg)) && /rego_parse_error/.test(String(l.error)));
  assert.equal(await decisionFor('dave'), true);

  // fixing it reloads
  writeFileSync(policy, 'package vengtoo.authz\n\ndecision := {"allowed": true, "reason": "fixed"}\n');
  await waitFor(async () => {
    const r = await post(agent.url + '/access/v1/evaluation', req('zed'));
    return r.json().reason === 'fixed' ? true : undefined;
  });
});
