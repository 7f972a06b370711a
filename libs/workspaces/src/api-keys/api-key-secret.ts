import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** `gw_<key id without dashes>_<256-bit secret>`: the id finds the row, the secret proves it. */
const API_KEY_FORMAT = /^gw_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/;

export interface ParsedApiKey {
  id: string;
  secret: string;
}

export function newApiKeySecret(id: string): { key: string; secretHash: string; prefix: string } {
  const secret = randomBytes(32).toString('base64url');
  const key = `gw_${id.replaceAll('-', '')}_${secret}`;
  return { key, secretHash: hashApiKeySecret(secret), prefix: key.slice(0, 12) };
}

export function parseApiKey(value: string): ParsedApiKey | undefined {
  const match = API_KEY_FORMAT.exec(value);
  if (!match?.[1] || !match[2]) return undefined;
  const hex = match[1];
  const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return { id, secret: match[2] };
}

export function hashApiKeySecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function apiKeySecretMatches(secret: string, storedHash: string): boolean {
  const actual = Buffer.from(hashApiKeySecret(secret), 'hex');
  const expected = Buffer.from(storedHash, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

export function looksLikeApiKey(value: string): boolean {
  return value.startsWith('gw_');
}
