import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { SecretBox } from '../crypto/secret-box.js';
import { PrismaService } from '../database/prisma.service.js';
import { newId } from '../ids/uuid.js';

/** Idempotency keys live 24 h. */
export const IDEMPOTENCY_RETENTION_MS = 24 * 3_600_000;

/** The shortest in-flight lease; see `IdempotencyStore.leaseMs`. */
export const IDEMPOTENCY_MIN_LEASE_MS = 60_000;

/** A reply as it is stored and replayed. */
export interface StoredReply {
  status: number;
  /** Lower-cased header names → values (only the headers worth replaying). */
  headers: Record<string, string>;
  /** The JSON text of the body, or null for an empty body. */
  body: string | null;
}

/** What `begin` decided for one request. */
export type BeginResult =
  /** The caller holds the key now: run the handler, then `complete` or `abandon` with this attempt. */
  | { outcome: 'started'; attemptId: string }
  /**
   * The key already holds a completed reply for the same request: send it again. With a
   * deferred fingerprint, whether it is the same request is the caller's to decide, from the
   * `fingerprint` the reply was stored with.
   */
  | { outcome: 'replay'; reply: StoredReply; fingerprint: string }
  /** The first request with this key is still running (→ 409). */
  | { outcome: 'in_flight' }
  /** The key was used for a different request (→ 422). */
  | { outcome: 'mismatch' };

export interface CompleteOptions {
  /** Encrypt the stored body (replies that hold a shown-once secret). */
  seal?: boolean;
  /** The request's fingerprint, for a key begun with `DEFERRED_FINGERPRINT`. */
  fingerprint?: string;
}

/**
 * For requests whose body is only known once the handler has streamed it (uploads): `begin`
 * claims the key without comparing bodies, `complete` records the real fingerprint, and a
 * replay hands the stored fingerprint back for the caller to compare. Never a hex digest.
 */
export const DEFERRED_FINGERPRINT = '-'.repeat(64);

/**
 * SHA-256 of what identifies a request: method, path and the body as canonical JSON (keys
 * sorted at every level), so the same body sent with another key order is the same request.
 */
export function requestFingerprint(method: string, path: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method.toUpperCase()}\n${path}\n${canonicalJson(body)}`)
    .digest('hex');
}

export function canonicalJson(value: unknown): string {
  if (value === undefined) return '';
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

/** How many times `begin` re-reads after losing a race (row deleted or taken over under it). */
const MAX_BEGIN_ROUNDS = 5;

/**
 * The `idempotency_keys` table: claims a key atomically, stores the reply, replays it.
 *
 * Concurrency: the claim is `INSERT … ON CONFLICT DO NOTHING` on the primary key (scope, key),
 * so of N simultaneous first requests exactly one inserts; the others read the row and see
 * `in_flight`. Every later transition (complete, abandon, takeover) is a conditional update
 * that names the attempt, so a slow attempt whose lease was taken over cannot overwrite the
 * attempt that replaced it.
 */
@Injectable()
export class IdempotencyStore {
  /**
   * How long an in-flight claim is honoured. A process that crashed mid-request leaves its row
   * in_flight; after the lease another attempt takes it over. It is at least twice the request
   * timeout so a slow but live request is never run twice.
   */
  readonly leaseMs: number;

  constructor(
    private readonly prisma: PrismaService,
    private readonly box: SecretBox,
    config: AppConfig,
  ) {
    this.leaseMs = Math.max(IDEMPOTENCY_MIN_LEASE_MS, 2 * config.http.requestTimeoutMs);
  }

  async begin(scope: string, key: string, fingerprint: string, now = new Date()): Promise<BeginResult> {
    for (let round = 0; round < MAX_BEGIN_ROUNDS; round++) {
      const attemptId = newId();
      const inserted = await this.prisma.idempotencyKey.createMany({
        data: {
          scope,
          key,
          fingerprint,
          state: 'in_flight',
          attemptId,
          lockedAt: now,
          createdAt: now,
          expiresAt: new Date(now.getTime() + IDEMPOTENCY_RETENTION_MS),
        },
        skipDuplicates: true,
      });
      if (inserted.count === 1) return { outcome: 'started', attemptId };

      const row = await this.prisma.idempotencyKey.findUnique({ where: { scope_key: { scope, key } } });
      // Abandoned or purged between the insert and the read: claim it again.
      if (!row) continue;
      if (row.expiresAt <= now) {
        // Past its 24 h the key is free for a new request, even before the purge removed it.
        await this.prisma.idempotencyKey.deleteMany({ where: { scope, key, expiresAt: { lte: now } } });
        continue;
      }
      if (fingerprint !== DEFERRED_FINGERPRINT && row.fingerprint !== fingerprint) return { outcome: 'mismatch' };
      if (row.state === 'completed') {
        return {
          outcome: 'replay',
          fingerprint: row.fingerprint,
          reply: {
            status: row.status ?? 200,
            headers: (row.headers ?? {}) as Record<string, string>,
            body:
              row.body === null ? null : row.bodySealed ? this.box.open(row.body, sealContext(scope, key)) : row.body,
          },
        };
      }
      const staleBefore = new Date(now.getTime() - this.leaseMs);
      if (row.lockedAt > staleBefore) return { outcome: 'in_flight' };
      // The holder's lease ran out (its process most likely died): take the claim over. The
      // condition on the old attempt makes the takeover single-winner.
      const taken = await this.prisma.idempotencyKey.updateMany({
        where: { scope, key, state: 'in_flight', attemptId: row.attemptId, lockedAt: { lte: staleBefore } },
        data: { attemptId, lockedAt: now },
      });
      if (taken.count === 1) return { outcome: 'started', attemptId };
    }
    // Only reachable under pathological churn on one key; the client may simply retry.
    return { outcome: 'in_flight' };
  }

  /** Stores the reply of the attempt that holds the key; false if it lost the key meanwhile. */
  async complete(
    scope: string,
    key: string,
    attemptId: string,
    reply: StoredReply,
    options: CompleteOptions = {},
  ): Promise<boolean> {
    const seal = options.seal === true && reply.body !== null;
    const body = seal && reply.body !== null ? this.box.seal(reply.body, sealContext(scope, key)) : reply.body;
    const updated = await this.prisma.idempotencyKey.updateMany({
      where: { scope, key, attemptId, state: 'in_flight' },
      data: {
        state: 'completed',
        status: reply.status,
        headers: reply.headers,
        body,
        bodySealed: seal,
        ...(options.fingerprint === undefined ? {} : { fingerprint: options.fingerprint }),
      },
    });
    return updated.count === 1;
  }

  /**
   * Releases the claim of a failed attempt so the key can be retried: a failure must not
   * poison the key for 24 h. Only the holding attempt's in-flight row is deleted.
   */
  async abandon(scope: string, key: string, attemptId: string): Promise<void> {
    await this.prisma.idempotencyKey.deleteMany({ where: { scope, key, attemptId, state: 'in_flight' } });
  }

  static readonly PURGE_BATCH = 5000;

  /** Deletes expired keys in bounded batches (each statement short: no long lock, no WAL burst). */
  async purgeExpired(now = new Date()): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = await this.prisma.$executeRaw`
        DELETE FROM idempotency_keys WHERE (scope, key) IN (
          SELECT scope, key FROM idempotency_keys
          WHERE expires_at <= ${now}
          LIMIT ${IdempotencyStore.PURGE_BATCH})`;
      total += deleted;
      if (deleted < IdempotencyStore.PURGE_BATCH) return total;
    }
  }
}

/** Binds a sealed body to its row: it does not open if copied into another (scope, key). */
function sealContext(scope: string, key: string): string {
  return `idempotency\n${scope}\n${key}`;
}
