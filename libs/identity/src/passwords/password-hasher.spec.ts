import { describe, expect, it } from '@jest/globals';
import { PasswordHasher } from './password-hasher.js';

const PASSWORD = 'correct battery horse staple 42';

describe('PasswordHasher', () => {
  const hasher = new PasswordHasher();

  it('hashes to an argon2id PHC string with m=19456, t=2, p=1', async () => {
    const hashed = await hasher.hash(PASSWORD);

    expect(hashed).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
    expect(hashed).not.toContain(PASSWORD);
  });

  it('salts every hash, so one password gives two different hashes', async () => {
    const [first, second] = await Promise.all([hasher.hash(PASSWORD), hasher.hash(PASSWORD)]);

    expect(first).not.toBe(second);
  });

  it('verifies the right password as true', async () => {
    const hashed = await hasher.hash(PASSWORD);

    await expect(hasher.verify(hashed, PASSWORD)).resolves.toBe(true);
  });

  it('verifies a wrong password as false', async () => {
    const hashed = await hasher.hash(PASSWORD);

    await expect(hasher.verify(hashed, `${PASSWORD}!`)).resolves.toBe(false);
  });

  it.each([
    '',
    'not-a-hash',
    '$argon2id$v=19$m=19456,t=2,p=1$',
    '$2b$10$abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMN',
  ])('verifies against the malformed hash %p as false instead of throwing', async (malformed) => {
    await expect(hasher.verify(malformed, PASSWORD)).resolves.toBe(false);
  });

  it('verifyAgainstNothing resolves false, also for repeated calls', async () => {
    await expect(hasher.verifyAgainstNothing(PASSWORD)).resolves.toBe(false);
    await expect(hasher.verifyAgainstNothing('')).resolves.toBe(false);
  });

  it('verifyAgainstNothing spends one argon2id verification against an argon2id hash', async () => {
    const verified: string[] = [];
    class RecordingHasher extends PasswordHasher {
      override verify(hashed: string, password: string): Promise<boolean> {
        verified.push(hashed);
        return super.verify(hashed, password);
      }
    }

    await new RecordingHasher().verifyAgainstNothing(PASSWORD);

    expect(verified).toHaveLength(1);
    expect(verified[0]).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });
});
