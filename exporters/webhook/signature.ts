import { createHmac } from 'node:crypto';

/** Reads a Standard Webhooks secret (`whsec_<base64>`) into its key bytes; throws when malformed. */
export function secretKey(secret: string): Buffer {
  if (!secret.startsWith('whsec_')) throw new Error('a webhook secret has the form whsec_<base64>');
  const key = Buffer.from(secret.slice(6), 'base64');
  if (key.length < 16 || key.toString('base64').replace(/=+$/, '') !== secret.slice(6).replace(/=+$/, '')) {
    throw new Error('a webhook secret is whsec_ followed by at least 16 bytes of base64');
  }
  return key;
}

/** `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">` (Standard Webhooks). */
export function sign(key: Buffer, id: string, timestampSeconds: number, body: string): string {
  return `v1,${createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`;
}
