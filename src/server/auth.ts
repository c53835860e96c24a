// PEP → PDP authentication with a shared client secret: `Authorization: Bearer <secret>`.
// Both sides are hashed first, so timingSafeEqual compares equal-length values and neither the
// secret's content nor its length leaks through timing.

import { createHash, timingSafeEqual } from 'node:crypto';

export type AuthResult = 'ok' | 'missing' | 'invalid';

export class BearerAuth {
  private readonly expected: Buffer;

  constructor(secret: string) {
    this.expected = sha256(secret);
  }

  check(header: string | undefined): AuthResult {
    if (header === undefined || header.length < 7) return 'missing';
    if (header.charCodeAt(6) !== 0x20 || header.slice(0, 6).toLowerCase() !== 'bearer') return 'missing';
    const token = header.slice(7).trim();
    if (token === '') return 'missing';
    return timingSafeEqual(sha256(token), this.expected) ? 'ok' : 'invalid';
  }
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

export const WWW_AUTHENTICATE = 'Bearer realm="vengtoo-agent"';
