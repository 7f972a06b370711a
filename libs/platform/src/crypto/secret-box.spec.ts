import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { SecretBox, SecretBoxError } from './secret-box.js';

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32));

  it('opens what it sealed, unicode included', () => {
    const plaintext = JSON.stringify({ secret: 'gw_0190_abc', note: 'naïve ✓' });
    expect(box.open(box.seal(plaintext))).toBe(plaintext);
  });

  it('writes a versioned value that does not contain the plaintext', () => {
    const sealed = box.seal('gw_very_secret_value');
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain('secret');
  });

  it('uses a fresh nonce each time, so equal plaintexts seal differently', () => {
    expect(box.seal('same')).not.toBe(box.seal('same'));
  });

  it('refuses a value with any byte of its ciphertext changed', () => {
    const [version, nonce, data] = box.seal('the secret').split('.') as [string, string, string];
    const bytes = Buffer.from(data, 'base64url');
    bytes[0] = (bytes[0] ?? 0) ^ 0x01;
    expect(() => box.open(`${version}.${nonce}.${bytes.toString('base64url')}`)).toThrow(SecretBoxError);
  });

  it('refuses a value whose nonce was changed', () => {
    const [version, nonce, data] = box.seal('the secret').split('.') as [string, string, string];
    const bytes = Buffer.from(nonce, 'base64url');
    bytes[3] = (bytes[3] ?? 0) ^ 0x80;
    expect(() => box.open(`${version}.${bytes.toString('base64url')}.${data}`)).toThrow(SecretBoxError);
  });

  it('refuses a value sealed under another key', () => {
    const other = new SecretBox(randomBytes(32));
    expect(() => other.open(box.seal('the secret'))).toThrow(SecretBoxError);
  });

  it('refuses a value opened under another context (no swapping sealed values between rows)', () => {
    const sealed = box.seal('the secret', 'row-a');
    expect(box.open(sealed, 'row-a')).toBe('the secret');
    expect(() => box.open(sealed, 'row-b')).toThrow(SecretBoxError);
  });

  it('refuses malformed and unknown-version values', () => {
    for (const value of ['', 'v1.abc', 'v2.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA', 'plain text']) {
      expect(() => box.open(value)).toThrow(SecretBoxError);
    }
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => new SecretBox(randomBytes(16))).toThrow(SecretBoxError);
  });
});
