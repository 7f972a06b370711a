import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { access, type FileHandle, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  type ByteRange,
  type ObjectContent,
  type ObjectKey,
  ObjectStorage,
  type StagedObject,
} from '../ports/object-storage.js';
import { isUuid } from '@groundwork/platform';
import { objectKey, workspacePrefix } from './object-key.js';
import { isSystemCallError, objectMissing, storageUnavailable } from './storage-errors.js';

/** Each workspace folder's subfolder for uploads still being written. */
const STAGING = '.staging';

/**
 * A download reads into two buffers of this size, in turns: the next chunk is read while the
 * last one is being written. A stream that allocated a new buffer per read would leave one
 * file's worth of dead buffers for the garbage collector, which V8 lets grow ~64 MiB before
 * collecting: the process's RSS grew by that much per large download.
 */
const READ_CHUNK_BYTES = 512 * 1024;

/**
 * An upload is written to its staging file in pieces that start at the first size and double
 * up to the second (see StagingFile): a small upload holds little, a large one writes per MiB.
 */
const FIRST_WRITE_BYTES = 64 * 1024;
const WRITE_BATCH_BYTES = 1024 * 1024;

/**
 * After this many bytes written, the staged file is flushed (fdatasync) in the background while
 * the upload goes on, so the disk works while the network does and the fsync before the answer
 * finds little left to write (flushed only at the end, the answer waited for all of it).
 */
const SYNC_EVERY_BYTES = 16 * 1024 * 1024;

function storeFailure(error: unknown): unknown {
  return isSystemCallError(error) ? storageUnavailable(error) : error;
}

/**
 * The local-disk adapter (STORAGE_DRIVER=local): `{STORAGE_DIR}/{workspaceId}/{sha256}`. An
 * upload is written to `{workspaceId}/.staging/{random}`, flushed to disk (fsync), then renamed
 * over the key — a rename within one file system is atomic, so a reader sees the whole object
 * or none. Paths are joined only from validated keys and random UUIDs.
 */
export class LocalObjectStorage extends ObjectStorage {
  private readonly root: string;
  private readonly syncEveryBytes: number;

  /** `syncEveryBytes`: how often a staged upload is flushed along the way (SYNC_EVERY_BYTES). */
  constructor(dir: string, options: { syncEveryBytes?: number } = {}) {
    super();
    this.root = resolve(dir);
    this.syncEveryBytes = options.syncEveryBytes ?? SYNC_EVERY_BYTES;
  }

  async stage(workspaceId: string, source: Readable): Promise<StagedObject> {
    const folder = join(this.root, workspacePrefix(workspaceId), STAGING);
    const location = join(folder, randomUUID());
    try {
      await mkdir(folder, { recursive: true });
      // The bytes reach the disk before the stream finishes (fsync), so a 201 survives a crash.
      await pipeline(source, new StagingFile(await open(location, 'wx'), this.syncEveryBytes));
      return { workspaceId, location };
    } catch (error) {
      source.destroy();
      await rm(location, { force: true }).catch(() => undefined);
      throw storeFailure(error);
    }
  }

  async promote(staged: StagedObject, key: ObjectKey): Promise<void> {
    try {
      await rename(staged.location, this.pathOf(key));
    } catch (error) {
      throw storeFailure(error);
    }
  }

  async discard(staged: StagedObject): Promise<void> {
    await rm(staged.location, { force: true }).catch(() => undefined);
  }

  async read(key: ObjectKey, range?: ByteRange): Promise<ObjectContent> {
    try {
      const handle = await open(this.pathOf(key), 'r');
      if (range) return new FileContent(handle, range.start, range.end + 1);
      try {
        return new FileContent(handle, 0, (await handle.stat()).size);
      } catch (error) {
        await handle.close();
        throw error;
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw objectMissing(error);
      throw storeFailure(error);
    }
  }

  async exists(key: ObjectKey): Promise<boolean> {
    try {
      return (await stat(this.pathOf(key))).isFile();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw storeFailure(error);
    }
  }

  async remove(key: ObjectKey): Promise<void> {
    try {
      await rm(this.pathOf(key), { force: true });
    } catch (error) {
      throw storeFailure(error);
    }
  }

  async removeWorkspace(workspaceId: string): Promise<void> {
    try {
      await rm(join(this.root, workspacePrefix(workspaceId)), { recursive: true, force: true });
    } catch (error) {
      throw storeFailure(error);
    }
  }

  async sweepStaging(before: Date): Promise<number> {
    let removed = 0;
    try {
      for (const workspace of await readdir(this.root, { withFileTypes: true }).catch(ignoreMissing)) {
        // Only workspace folders (UUIDs): nothing else under the root is the adapter's to remove.
        if (!workspace.isDirectory() || !isUuid(workspace.name)) continue;
        const folder = join(this.root, workspacePrefix(workspace.name), STAGING);
        for (const name of await readdir(folder).catch(ignoreMissing)) {
          const location = join(folder, name);
          // An upload in progress writes on: its modification time stays recent.
          const modified = (await stat(location).catch(() => undefined))?.mtime;
          if (modified === undefined || modified >= before) continue;
          await rm(location, { force: true });
          removed += 1;
        }
      }
      return removed;
    } catch (error) {
      throw storeFailure(error);
    }
  }

  async check(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    await access(this.root, constants.R_OK | constants.W_OK);
  }

  /** Re-validated: the key's parts are a UUID and a hex digest, whoever built it. */
  private pathOf(key: ObjectKey): string {
    return join(this.root, objectKey(key.workspaceId, key.sha256).path);
  }
}

/** A folder that is not there holds nothing (the root before the first upload, a workspace that never staged). */
function ignoreMissing(error: unknown): never[] {
  if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
  throw error;
}

/**
 * A new file being staged. Chunks are copied into two buffers in turns — one fills while the
 * other is written; each doubles when its turn comes, up to WRITE_BATCH_BYTES, and is reused
 * from there — and each chunk is released the moment it is copied: the socket's chunks die
 * young instead of waiting in a write queue (queued, they can outlive the young generation and
 * pile up as garbage until a full collection, growing the api's RSS), and a large file gets one
 * write per MiB rather than one per 64 KiB socket chunk (a thread-pool round trip each). The
 * file is flushed to disk in the background every `syncEveryBytes` and for good (fsync) before
 * the stream finishes; the handle is closed when the stream is done either way (close waits
 * for the calls in flight).
 */
class StagingFile extends Writable {
  private readonly buffers: [Buffer, Buffer | undefined] = [Buffer.allocUnsafeSlow(FIRST_WRITE_BYTES), undefined];
  private turn = 0;
  private filled = 0;
  /** The write in flight (of the buffer not being filled); its failure is heard when awaited. */
  private writing: Promise<void> = Promise.resolve();
  private position = 0;
  private unsynced = 0;
  private syncing: Promise<void> | undefined;
  private syncError: Error | undefined;

  constructor(
    private readonly handle: FileHandle,
    private readonly syncEveryBytes: number,
  ) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.take(chunk).then(() => callback(), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    (async () => {
      if (this.filled > 0) await this.writeFilled();
      await this.writing;
      await this.syncing;
      if (this.syncError) throw this.syncError;
      await this.handle.sync();
    })().then(() => callback(), callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.handle.close().then(
      () => callback(error),
      (closing: Error) => callback(error ?? closing),
    );
  }

  private async take(chunk: Buffer): Promise<void> {
    for (let at = 0; at < chunk.length;) {
      const buffer = this.buffers[this.turn] as Buffer;
      const copied = chunk.copy(buffer, this.filled, at);
      this.filled += copied;
      at += copied;
      if (this.filled === buffer.length) await this.writeFilled();
    }
  }

  /** Starts writing the filled buffer once the other one's write is done, and turns to that one. */
  private async writeFilled(): Promise<void> {
    const bytes = (this.buffers[this.turn] as Buffer).subarray(0, this.filled);
    await this.writing;
    this.writing = this.writeAll(bytes);
    this.writing.catch(() => undefined);
    this.turn ^= 1;
    this.filled = 0;
    const wanted = Math.min(WRITE_BATCH_BYTES, 2 * bytes.length);
    if ((this.buffers[this.turn]?.length ?? 0) < wanted) this.buffers[this.turn] = Buffer.allocUnsafeSlow(wanted);
  }

  private async writeAll(bytes: Buffer): Promise<void> {
    if (this.syncError) throw this.syncError;
    // A short write (rare on a file) goes on from the first byte not written.
    for (let at = 0; at < bytes.length;) {
      const { bytesWritten } = await this.handle.write(bytes, at, bytes.length - at, this.position);
      at += bytesWritten;
      this.position += bytesWritten;
      this.unsynced += bytesWritten;
    }
    if (this.unsynced >= this.syncEveryBytes && this.syncing === undefined) {
      this.unsynced = 0;
      this.syncing = this.handle
        .datasync()
        .catch((error: Error) => void (this.syncError = error))
        .finally(() => (this.syncing = undefined));
    }
  }
}

/** Writes `chunk`, resolving once `destination` is done with it (or failing when it fails or closes first). */
function write(destination: Writable, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const closed = () => reject(new Error('the destination closed before the write completed'));
    destination.once('close', closed);
    destination.write(chunk, (error) => {
      destination.off('close', closed);
      if (error) reject(error);
      else resolve();
    });
  });
}

/** Bytes `[start, end)` of an open file, sent once through two reused buffers. */
class FileContent implements ObjectContent {
  constructor(
    private readonly handle: FileHandle,
    private readonly start: number,
    private readonly end: number,
  ) {}

  async pipeTo(destination: Writable): Promise<void> {
    // Its failures reach this through the write callbacks (as `pipeline` does, a listener keeps
    // the 'error' events that come with them from going unhandled and crashing the process).
    destination.on('error', () => undefined);
    const buffers = [Buffer.allocUnsafeSlow(READ_CHUNK_BYTES), Buffer.allocUnsafeSlow(READ_CHUNK_BYTES)];
    let writing: Promise<void> = Promise.resolve();
    try {
      for (let position = this.start, turn = 0; position < this.end; turn ^= 1) {
        const buffer = buffers[turn] as Buffer;
        const length = Math.min(READ_CHUNK_BYTES, this.end - position);
        // This buffer's last write finished before the one in flight began: it is free.
        const { bytesRead } = await this.handle.read(buffer, 0, length, position);
        if (bytesRead === 0) throw new Error('the file is shorter than its recorded size');
        position += bytesRead;
        await writing;
        writing = write(destination, buffer.subarray(0, bytesRead));
      }
      await writing;
      await new Promise<void>((resolve, reject) =>
        destination.end((error?: Error | null) => (error ? reject(error) : resolve())),
      );
    } catch (error) {
      // The write in flight may still fail after this one did: it has nowhere to be heard.
      writing.catch(() => undefined);
      destination.destroy(error as Error);
      throw error;
    } finally {
      await this.handle.close().catch(() => undefined);
    }
  }
}
