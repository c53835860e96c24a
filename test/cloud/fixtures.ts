// Bundles and a stand-in for the agent's swap callback, shared by the cloud tests.

import { writeBundle, type Bundle, type TrustedKeys } from '../../src/bundle/index.js';
import type { BundleInfo } from '../../src/cloud/index.js';
import { testKey, trusted, type TestKey } from '../bundle/helpers.js';

export const signingKey: TestKey = testKey('ES256');
export const otherKey: TestKey = testKey('ES256');
export const keys: TrustedKeys = trusted('cloud-1', signingKey);

export function policy(revision: string, extra = ''): string {
  return `package vengtoo.authz\n\n# ${revision}\ndefault allow := false\n${extra}`;
}

export async function makeBundle(revision: string, opts: { key?: TestKey | null; source?: string } = {}): Promise<Uint8Array> {
  const key = opts.key === undefined ? signingKey : opts.key;
  return writeBundle({
    modules: [{ file: 'vengtoo/authz.rego', source: opts.source ?? policy(revision) }],
    data: { vengtoo: { revision } },
    manifest: { revision, roots: ['vengtoo'], metadata: { tenant_id: 'tenant-42' } },
    ...(key ? { signing: { algorithm: key.algorithm, key: key.privateKey, keyId: 'cloud-1' } } : {}),
  });
}

/**
 * What the agent does in onBundle: "compile" (here: refuse modules containing BROKEN, as a
 * compile error would) and swap the active policy in one assignment.
 */
export class FakeAgent {
  active: { revision: string; source: string } | undefined;
  offered: BundleInfo[] = [];
  onBundle = (b: Bundle, info: BundleInfo): boolean => {
    this.offered.push(info);
    if (b.modules.some((m) => m.source.includes('BROKEN'))) throw new Error('rego_parse_error: BROKEN');
    this.active = { revision: b.manifest.revision, source: info.source };
    return true;
  };
}
