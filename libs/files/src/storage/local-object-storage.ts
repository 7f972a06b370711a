import { randomUUID } from 'node:crypto';
import { constants, createWriteStream } from 'node:fs';
import { access, type FileHandle, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Readable, Writable } from 'node:stream';
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

  constructor(dir: string) {
    super();
    this.root = resolve(dir);
  }

  async stage(workspaceId: string, source: Readable): Promise<StagedObject> {
    const folder = join(this.root, workspacePrefix(workspaceId), STAGING);
    const location = join(folder, randomUUID());
    try {
      await mkdir(folder, { recursive: true });
      // `flush`: the bytes reach the disk before the stream closes, so a 201 survives a crash.
      await pipeline(source, createWriteStream(location, { flags: 'wx', flush: true }));
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
