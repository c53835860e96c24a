// Who the client is, on the HTTP downstream: `Authorization: Bearer <token>`, checked against
//   - a static token map (`--tokens FILE`: {"<token>": "<subject>"} or {"<token>": {"subject", "agent"}},
//     optionally wrapped as {"tokens": {...}}), and/or
//   - HS256 JWTs signed with a shared secret (`--jwt-secret-file FILE` or VENGTOO_MCP_JWT_SECRET):
//     `sub` is the subject, `azp` / `client_id` the agent; `exp`/`nbf` are enforced, and `aud` /
//     `iss` when configured.
// The inbound token is only read here; it is never forwarded upstream.

import { createHash } from 'node:crypto';
import { jwtVerify } from 'jose';

export interface Principal {
  subject: string;
  /** The agent (OAuth client) acting for the subject, when the token names one. */
  agent?: string;
}

export type AuthOutcome = Principal | 'missing' | 'invalid';

export interface TokenAuthOptions {
  tokens?: Record<string, string | { subject: string; agent?: string }>;
  jwtSecret?: string;
  audience?: string;
  issuer?: string;
}

export class TokenAuth {
  private readonly tokens = new Map<string, Principal>();
  private readonly secret: Uint8Array | undefined;

  constructor(private readonly o: TokenAuthOptions) {
    for (const [token, who] of Object.entries(o.tokens ?? {})) {
      const p = typeof who === 'string' ? { subject: who } : { subject: who.subject, agent: who.agent };
      if (typeof p.subject !== 'string' || p.subject === '') throw new Error('token map: every token needs a subject');
      this.tokens.set(hash(token), p);
    }
    this.secret = o.jwtSecret ? new TextEncoder().encode(o.jwtSecret) : undefined;
  }

  get configured(): boolean {
    return this.tokens.size > 0 || this.secret !== undefined;
  }

  async check(header: string | undefined): Promise<AuthOutcome> {
    if (header === undefined || !/^bearer /i.test(header)) return 'missing';
    const token = header.slice(7).trim();
    if (token === '') return 'missing';
    // Map keys are hashes, so a lookup compares fixed-length digests rather than the secret itself.
    const p = this.tokens.get(hash(token));
    if (p !== undefined) return p;
    if (this.secret !== undefined && token.split('.').length === 3) {
      try {
        const { payload } = await jwtVerify(token, this.secret, {
          algorithms: ['HS256'],
          audience: this.o.audience || undefined,
          issuer: this.o.issuer || undefined,
        });
        if (typeof payload.sub !== 'string' || payload.sub === '') return 'invalid';
        const agent = typeof payload.azp === 'string' ? payload.azp : typeof payload.client_id === 'string' ? payload.client_id : undefined;
        return agent === undefined ? { subject: payload.sub } : { subject: payload.sub, agent };
      } catch {
        return 'invalid';
      }
    }
    return 'invalid';
  }
}

/** Reads a token file: a map, or {"tokens": map}. */
export function parseTokenFile(text: string): Record<string, string | { subject: string; agent?: string }> {
  const v = JSON.parse(text) as unknown;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('token file: expected a JSON object');
  const o = v as Record<string, unknown>;
  const map = typeof o.tokens === 'object' && o.tokens !== null && !Array.isArray(o.tokens) ? (o.tokens as Record<string, unknown>) : o;
  for (const [k, who] of Object.entries(map)) {
    const ok = typeof who === 'string' || (typeof who === 'object' && who !== null && typeof (who as { subject?: unknown }).subject === 'string');
    if (!ok) throw new Error(`token file: the entry for token ${JSON.stringify(k.slice(0, 4) + '…')} needs a subject`);
  }
  return map as Record<string, string | { subject: string; agent?: string }>;
}

function hash(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex');
}
