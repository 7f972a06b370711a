import { Algorithm, hash, verify } from '@node-rs/argon2';
import { Injectable } from '@nestjs/common';

/** OWASP's argon2id baseline: 19 MiB, 2 iterations, parallelism 1. */
const ARGON2ID = { algorithm: Algorithm.Argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

@Injectable()
export class PasswordHasher {
  /** A hash of a random password, verified against when an account does not exist (equal timing). */
  private dummyHash: Promise<string> | undefined;

  hash(password: string): Promise<string> {
    return hash(password, ARGON2ID);
  }

  async verify(hashed: string, password: string): Promise<boolean> {
    try {
      return await verify(hashed, password);
    } catch {
      return false;
    }
  }

  /** Spends one argon2id verification on nothing, so "no such account" costs what "wrong password" costs. */
  async verifyAgainstNothing(password: string): Promise<false> {
    this.dummyHash ??= this.hash(`no-account-${Math.random()}`);
    await this.verify(await this.dummyHash, password);
    return false;
  }
}
