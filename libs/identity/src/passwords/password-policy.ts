import { DomainError } from '@groundwork/platform';
import { COMMON_PASSWORDS } from './common-passwords.js';

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 128;

/**
 * The password rules: 12–128 characters (counted as Unicode code points) and not a known
 * common password. Checked before hashing, so an oversized input never reaches argon2.
 */
export function assertAcceptablePassword(password: string): void {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH || length > PASSWORD_MAX_LENGTH) {
    throw new DomainError('validation_failed', 'The password does not meet the policy.', {
      errors: [
        {
          field: 'password',
          message: `password must be between ${PASSWORD_MIN_LENGTH} and ${PASSWORD_MAX_LENGTH} characters`,
        },
      ],
    });
  }
  if (COMMON_PASSWORDS.has(password.toLowerCase())) {
    throw new DomainError('validation_failed', 'The password does not meet the policy.', {
      errors: [{ field: 'password', message: 'password is too common; choose another one' }],
    });
  }
}
