import { randomUUID } from 'node:crypto';
import { constants, createWriteStream } from 'node:fs';
import { access, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type ByteRange, type ObjectKey, ObjectStorage, type StagedObject } from '../ports/object-storage.js';
import { objectKey, workspacePrefix } from './object-key.js';
import { isSystemCallError, objectMissing, storageUnavailable } from './storage-errors.js';

/** Each workspace folder's subfolder for uploads still being written. */
const STAGING = '.staging';

/** Read in 1 MiB chunks: 16× fewer reads and socket writes per download than the 64 KiB default. */
const READ_CHUNK_BYTES = 1024 * 1024;

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

  async read(key: ObjectKey, range?: ByteRange): Promise<Readable> {
    try {
      const handle = await open(this.pathOf(key), 'r');
      return handle.createReadStream({ highWaterMark: READ_CHUNK_BYTES, ...(range ?? {}) });
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

  async check(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    await access(this.root, constants.R_OK | constants.W_OK);
  }

  /** Re-validated: the key's parts are a UUID and a hex digest, whoever built it. */
  private pathOf(key: ObjectKey): string {
    return join(this.root, objectKey(key.workspaceId, key.sha256).path);
  }
}
