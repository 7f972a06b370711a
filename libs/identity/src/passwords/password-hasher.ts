import { Algorithm, hash, verify } from '@node-rs/argon2';
import { Injectable, Optional } from '@nestjs/common';
import { AppConfig, ConcurrencyGate } from '@groundwork/platform';

/** OWASP's argon2id baseline: 19 MiB, 2 iterations, parallelism 1. */
const ARGON2ID = { algorithm: Algorithm.Argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** How long a hash may wait for a slot before the request gets 503 + Retry-After. */
const HASH_MAX_WAIT_MS = 2_000;
const DEFAULT_HASH_CONCURRENCY = 4;

/**
 * argon2id hashing and verification, at most `PASSWORD_HASH_CONCURRENCY` at once per process:
 * each costs ~19 MiB and a libuv thread, and anonymous routes (sign-up, login, reset) trigger
 * them — unbounded, a flood would exhaust memory and the thread pool every request needs.
 */
@Injectable()
export class PasswordHasher {
  /** A hash of a random password, verified against when an account does not exist (equal timing). */
  private dummyHash: Promise<string> | undefined;
  private readonly gate: ConcurrencyGate;

  constructor(@Optional() config?: AppConfig) {
    this.gate = new ConcurrencyGate({
      limit: config?.passwords.hashConcurrency ?? DEFAULT_HASH_CONCURRENCY,
      maxWaitMs: HASH_MAX_WAIT_MS,
      retryAfterSeconds: 1,
      what: 'password hashing',
    });
  }

  hash(password: string): Promise<string> {
    return this.gate.run(() => hash(password, ARGON2ID));
  }

  async verify(hashed: string, password: string): Promise<boolean> {
    return this.gate.run(async () => {
      try {
        return await verify(hashed, password);
      } catch {
        return false;
      }
    });
  }

  /** Spends one argon2id verification on nothing, so "no such account" costs what "wrong password" costs. */
  async verifyAgainstNothing(password: string): Promise<false> {
    this.dummyHash ??= hash(`no-account-${Math.random()}`, ARGON2ID);
    await this.verify(await this.dummyHash, password);
    return false;
  }
}
