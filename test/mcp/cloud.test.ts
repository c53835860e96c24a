// The gateway's in-process engine in cloud mode: the policy comes as a bundle from the test
// control plane, and the gateway's decisions are forwarded to its audit endpoint.

import { it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { writeBundle } from '../../src/bundle/index.js';
import { TestCloud } from '../cloud/helpers.js';
import { EVERYTHING_POLICY, connectStdio, everythingCmd, tempDir, until } from './helpers.js';

it('cloud mode: bundle policy, audit forwarding of gateway decisions', { timeout: 120_000 }, async () => {
  const cloud = await new TestCloud().start();
  const tmp = tempDir();
  try {
    cloud.setBundle(
      await writeBundle({
        modules: [{ file: 'vengtoo/authz.rego', source: EVERYTHING_POLICY }],
        manifest: { revision: 'mcp-r1', roots: ['vengtoo'], metadata: { tenant_id: 'tenant-mcp' } },
      }),
    );
    const gw = await connectStdio(['--name', 'everything'], everythingCmd(), {
      VENGTOO_API_KEY: 'test-key',
      VENGTOO_CLOUD_URL: cloud.url,
      VENGTOO_CACHE_DIR: join(tmp.dir, 'cache'),
      VENGTOO_POLL_INTERVAL: '200ms',
      VENGTOO_AUDIT_BATCH_INTERVAL: '100ms',
    });
    try {
      // the first sync runs in the background: until then calls are denied (-32603)
      await until(() => /policy (loaded|installed)|bundle/i.test(gw.stderr()), 15_000, 'a bundle');
      let r;
      for (let i = 0; i < 100; i++) {
        try {
          r = await gw.client.callTool({ name: 'echo', arguments: { message: 'cloud' } });
          break;
        } catch (e) {
          assert.ok(e instanceof McpError && e.code === -32603, String(e));
          await new Promise((res) => setTimeout(res, 100));
        }
      }
      assert.deepEqual(r?.content, [{ type: 'text', text: 'Echo: cloud' }]);
      await assert.rejects(gw.client.callTool({ name: 'get-env', arguments: {} }), (e: unknown) => e instanceof McpError && e.code === -32001);
      await until(() => cloud.events.some((e) => (e.resource as { id?: string }).id === 'everything__get-env'), 15_000, 'audit events');
      const ev = cloud.events.find((e) => (e.resource as { id?: string }).id === 'everything__echo' && e.decision === true)!;
      assert.deepEqual([ev.subject, ev.action, ev.bundle_revision], [{ type: 'agent', id: 'mcp-client' }, { name: 'invoke' }, 'mcp-r1']);
    } finally {
      await gw.close();
    }
  } finally {
    await cloud.close();
    tmp.cleanup();
  }
});
