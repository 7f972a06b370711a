import { describe, expect, it } from '@jest/globals';
import { DomainError } from '@groundwork/platform';
import { COMMON_PASSWORDS } from './common-passwords.js';
import { assertAcceptablePassword, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from './password-policy.js';

/** Runs the policy and returns the DomainError it threw, failing the test if it threw nothing else. */
function refusal(password: string): DomainError {
  try {
    assertAcceptablePassword(password);
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('the password was accepted');
}

const EMOJI = '😀';

describe('assertAcceptablePassword', () => {
  it('accepts a password of exactly the minimum length', () => {
    const password = 'k7#Vq2!mZp9w';

    expect(() => assertAcceptablePassword(password)).not.toThrow();
    expect([...password]).toHaveLength(PASSWORD_MIN_LENGTH);
  });

  it('accepts a password of exactly the maximum length', () => {
    const password = 'xY7!'.repeat(PASSWORD_MAX_LENGTH / 4);

    expect(() => assertAcceptablePassword(password)).not.toThrow();
  });

  it('refuses a password one character under the minimum with a field error on password', () => {
    const error = refusal('k7#Vq2!mZp9');

    expect(error.code).toBe('validation_failed');
    expect(error.errors).toEqual([{ field: 'password', message: 'password must be between 12 and 128 characters' }]);
  });

  it('refuses a password one character over the maximum with a field error on password', () => {
    const error = refusal('a'.repeat(PASSWORD_MAX_LENGTH + 1));

    expect(error.code).toBe('validation_failed');
    expect(error.errors).toEqual([{ field: 'password', message: 'password must be between 12 and 128 characters' }]);
  });

  it('refuses the empty password', () => {
    expect(refusal('').code).toBe('validation_failed');
  });

  it('counts an emoji as one character, not as its two UTF-16 code units', () => {
    const twelveEmoji = EMOJI.repeat(PASSWORD_MIN_LENGTH);
    const elevenEmoji = EMOJI.repeat(PASSWORD_MIN_LENGTH - 1);

    expect(elevenEmoji.length).toBeGreaterThanOrEqual(PASSWORD_MIN_LENGTH);
    expect(() => assertAcceptablePassword(twelveEmoji)).not.toThrow();
    expect(refusal(elevenEmoji).code).toBe('validation_failed');
  });

  it('accepts 128 emoji although they take 256 UTF-16 code units, and refuses 129', () => {
    expect(() => assertAcceptablePassword(EMOJI.repeat(PASSWORD_MAX_LENGTH))).not.toThrow();
    expect(refusal(EMOJI.repeat(PASSWORD_MAX_LENGTH + 1)).code).toBe('validation_failed');
  });

  it.each(['password1234', 'Password1234', 'PASSWORD1234', 'CorrectHorseBatteryStaple', 'QwErTy123456'])(
    'refuses the common password %s whatever its case, naming the password field',
    (password) => {
      const error = refusal(password);

      expect(error.code).toBe('validation_failed');
      expect(error.errors).toEqual([{ field: 'password', message: 'password is too common; choose another one' }]);
    },
  );

  it('refuses every entry of the common list that the length rule would let through', () => {
    const longEnough = [...COMMON_PASSWORDS].filter((p) => [...p].length >= PASSWORD_MIN_LENGTH);

    const accepted = longEnough.filter((p) => {
      try {
        assertAcceptablePassword(p);
        return true;
      } catch {
        return false;
      }
    });

    expect(longEnough.length).toBeGreaterThan(0);
    expect(accepted).toEqual([]);
  });

  it('accepts a long passphrase that merely contains a common password', () => {
    expect(() => assertAcceptablePassword('my password1234 is long and mine')).not.toThrow();
  });

  // That it costs no hash is asserted by the registration integration test (a counting hasher);
  // timings are not asserted here, they flake on a shared machine.
  it('refuses a 1 MB password with the length error alone', () => {
    const error = refusal('a'.repeat(1024 * 1024));

    expect(error.code).toBe('validation_failed');
    expect(error.errors).toHaveLength(1);
    expect(error.errors?.[0]?.field).toBe('password');
    expect(error.errors?.[0]?.message).toMatch(/128/);
  });
});
