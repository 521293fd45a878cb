import { randomBytes, randomUUID } from 'node:crypto';

export function uuid(): string {
  return randomUUID();
}

/** A random token of `bytes` bytes, hex-encoded: for tags, branches and Call-IDs. */
export function token(bytes = 8): string {
  return randomBytes(bytes).toString('hex');
}
