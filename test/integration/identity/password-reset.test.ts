import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import { AuditModule, DomainError, EventsModule } from '@groundwork/platform';
import { IdentityModule, PasswordHasher, PasswordResetService } from '@groundwork/identity';
import { platformTestingModule } from '../../support/platform-context.js';

describe('PasswordResetService on PostgreSQL', () => {
  let moduleRef: TestingModule;
  let resets: PasswordResetService;
  let hasher: PasswordHasher;

  beforeAll(async () => {
    moduleRef = await platformTestingModule({ imports: [AuditModule, EventsModule, IdentityModule] });
    resets = moduleRef.get(PasswordResetService);
    hasher = moduleRef.get(PasswordHasher);
  });

  afterAll(async () => {
    await moduleRef?.close();
  });

  it('an anonymous reset with a well-formed but unknown token is refused without hashing the password', async () => {
    const hash = jest.spyOn(hasher, 'hash');

    const error = await resets.reset('A'.repeat(43), 'a sound passphrase 2026').then(
      () => undefined,
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('invalid_token');
    expect(hash).not.toHaveBeenCalled();
    hash.mockRestore();
  });
});
