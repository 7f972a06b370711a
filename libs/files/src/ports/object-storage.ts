import type { Readable, Writable } from 'node:stream';

/**
 * Where an object lives: `{workspaceId}/{sha256}`. Only `objectKey` makes one, from a UUID and
 * a SHA-256 the server computed — never from anything a client named — so no key can point
 * outside its workspace's folder or prefix.
 */
export interface ObjectKey {
  readonly workspaceId: string;
  readonly sha256: string;
  /** `{workspaceId}/{sha256}`. */
  readonly path: string;
}

/** Bytes written to a staging place, not yet visible under any object key. */
export interface StagedObject {
  readonly workspaceId: string;
  /** The adapter's own name for the staging place (a temp file, a staging key). */
  readonly location: string;
}

/** An inclusive byte range of an object (`Range: bytes=start-end`). */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * An object opened for reading, not yet sent: opening fails (not_found, unavailable) before
 * any byte goes out, so a caller can still answer with a problem.
 */
export interface ObjectContent {
  /**
   * Streams the bytes into `destination` and ends it; rejects when either side fails. Each
   * chunk is valid only until `destination` calls back its write (an adapter may reuse the
   * memory for the next read), so it must be a sink that consumes chunks as it goes — a
   * socket, a file, a hash — and not one that keeps them (a PassThrough being collected).
   */
  pipeTo(destination: Writable): Promise<void>;
}

/**
 * The storage port (DESIGN: swappable infrastructure): the files context writes and reads
 * objects only through it; adapters are chosen by STORAGE_DRIVER. Writes are two-step so
 * nothing half-written is ever visible: `stage` streams the bytes to a private place and
 * resolves only once they are all written; `promote` makes them the object at a key in one
 * atomic step (a rename, a server-side copy). Every failure of the store itself surfaces as a
 * DomainError `unavailable` (503 with Retry-After); other errors (the source stream failing)
 * pass through unchanged, after the adapter removed what it had staged.
 */
export abstract class ObjectStorage {
  /** Streams `source` to a new staging place of the workspace. */
  abstract stage(workspaceId: string, source: Readable): Promise<StagedObject>;

  /** Makes the staged bytes the object at `key`, replacing any (a key names its bytes, so they are equal). */
  abstract promote(staged: StagedObject, key: ObjectKey): Promise<void>;

  /** Removes staged bytes that will not be promoted (idempotent). */
  abstract discard(staged: StagedObject): Promise<void>;

  /** Opens the object's bytes, or the given range of them, for sending. */
  abstract read(key: ObjectKey, range?: ByteRange): Promise<ObjectContent>;

  /** Whether the object exists. */
  abstract exists(key: ObjectKey): Promise<boolean>;

  /** Removes the object (idempotent: a missing object is no error). */
  abstract remove(key: ObjectKey): Promise<void>;

  /** Removes every object (and staged upload) of the workspace. */
  abstract removeWorkspace(workspaceId: string): Promise<void>;

  /**
   * Removes the staged uploads of every workspace last written before `before` — what a process
   * that died between `stage` and `promote`/`discard` left — and returns how many went. An upload
   * still being written is newer than that.
   */
  abstract sweepStaging(before: Date): Promise<number>;

  /** Resolves when the store answers and can be written to (readiness); rejects with why not. */
  abstract check(signal: AbortSignal): Promise<void>;
}
