import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  AbortMultipartUploadCommand,
  CopyObjectCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { AppConfig } from '@groundwork/platform';
import {
  type ByteRange,
  type ObjectContent,
  type ObjectKey,
  ObjectStorage,
  type StagedObject,
} from '../ports/object-storage.js';
import { objectKey, workspacePrefix } from './object-key.js';
import { objectMissing, storageUnavailable } from './storage-errors.js';

/**
 * Staged uploads live under one prefix of their own, `.staging/{workspaceId}/{random}`, so the
 * sweep lists one prefix rather than one per workspace.
 */
const STAGING_PREFIX = '.staging/';

/** Parts of a streamed upload: what one upload holds in memory is about partSize × queueSize. */
const PART_SIZE = 8 * 1024 * 1024;
const QUEUE_SIZE = 2;

function isNotFound(error: unknown): boolean {
  return (
    error instanceof S3ServiceException &&
    (error.name === 'NoSuchKey' || error.name === 'NotFound' || error.$metadata.httpStatusCode === 404)
  );
}

/** The S3 client for the operator's settings (any S3-compatible store). */
export function createS3Client(settings: AppConfig['storage']['s3']): S3Client {
  return new S3Client({
    region: settings.region,
    endpoint: settings.endpoint,
    forcePathStyle: settings.forcePathStyle,
    credentials: settings.credentials,
    maxAttempts: 3,
    // Stores other than AWS's own (s3rver, older MinIO…) refuse the trailer checksums current
    // SDKs add to streamed bodies: with a custom endpoint, checksums only where S3 requires them.
    ...(settings.endpoint
      ? { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' }
      : {}),
  });
}

/**
 * The S3 adapter (STORAGE_DRIVER=s3): objects at `{workspaceId}/{sha256}` in S3_BUCKET. An
 * upload streams (multipart, a few parts in memory at a time) to `.staging/{workspaceId}/{random}`
 * and is then copied server-side to its key: a key only ever holds complete bytes. Any failure
 * of the store is `unavailable` (503); a missing object is `not_found`.
 */
export class S3ObjectStorage extends ObjectStorage {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {
    super();
  }

  async stage(workspaceId: string, source: Readable): Promise<StagedObject> {
    const location = `${STAGING_PREFIX}${workspacePrefix(workspaceId)}/${randomUUID()}`;
    // The source's own failure (limit, disconnect) is the error to report, not the SDK's echo of it.
    let sourceError: unknown;
    source.once('error', (error) => (sourceError = error));
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: location, Body: source },
      partSize: PART_SIZE,
      queueSize: QUEUE_SIZE,
      // The adapter aborts a failed multipart upload itself: lib-storage's own abort throws the
      // abort's failure in place of the error the upload failed with (s3rver answers it 405).
      leavePartsOnError: true,
    });
    try {
      await upload.done();
      if (sourceError !== undefined) throw sourceError;
      return { workspaceId, location };
    } catch (error) {
      source.destroy();
      await this.abortMultipart(location, upload.uploadId);
      await this.deleteKey(location).catch(() => undefined);
      throw sourceError ?? storageUnavailable(error);
    }
  }

  /**
   * Removes the parts of an unfinished multipart upload, best effort: what an abort that fails
   * leaves, the bucket's AbortIncompleteMultipartUpload rule removes.
   */
  private async abortMultipart(key: string, uploadId: string | undefined): Promise<void> {
    if (uploadId === undefined) return;
    await this.client
      .send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId }))
      .catch(() => undefined);
  }

  async promote(staged: StagedObject, key: ObjectKey): Promise<void> {
    try {
      await this.client.send(
        new CopyObjectCommand({
          Bucket: this.bucket,
          Key: this.keyOf(key),
          CopySource: `${this.bucket}/${staged.location}`,
        }),
      );
    } catch (error) {
      throw storageUnavailable(error);
    }
    await this.discard(staged);
  }

  async discard(staged: StagedObject): Promise<void> {
    await this.deleteKey(staged.location).catch(() => undefined);
  }

  async read(key: ObjectKey, range?: ByteRange): Promise<ObjectContent> {
    try {
      const answer = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: this.keyOf(key),
          Range: range ? `bytes=${range.start}-${range.end}` : undefined,
        }),
      );
      const body = answer.Body;
      if (!(body instanceof Readable)) throw new Error('the S3 client returned no Node.js stream');
      return { pipeTo: (destination) => pipeline(body, destination) };
    } catch (error) {
      if (isNotFound(error)) throw objectMissing(error);
      throw storageUnavailable(error);
    }
  }

  async exists(key: ObjectKey): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.keyOf(key) }));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw storageUnavailable(error);
    }
  }

  async remove(key: ObjectKey): Promise<void> {
    try {
      await this.deleteKey(this.keyOf(key));
    } catch (error) {
      throw storageUnavailable(error);
    }
  }

  async check(signal: AbortSignal): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }), { abortSignal: signal });
  }

  async removeWorkspace(workspaceId: string): Promise<void> {
    const prefix = workspacePrefix(workspaceId);
    try {
      await this.deleteListed(`${prefix}/`, () => true);
      await this.deleteListed(`${STAGING_PREFIX}${prefix}/`, () => true);
    } catch (error) {
      throw storageUnavailable(error);
    }
  }

  async sweepStaging(before: Date): Promise<number> {
    try {
      return await this.deleteListed(STAGING_PREFIX, (modified) => modified !== undefined && modified < before);
    } catch (error) {
      throw storageUnavailable(error);
    }
  }

  /** Deletes the keys under `prefix` whose last modification `select` picks, a listed page at a time; returns how many. */
  private async deleteListed(prefix: string, select: (modified: Date | undefined) => boolean): Promise<number> {
    let deleted = 0;
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      const keys = (page.Contents ?? []).flatMap((object) =>
        object.Key && select(object.LastModified) ? [{ Key: object.Key }] : [],
      );
      if (keys.length > 0) {
        await this.client.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: keys } }));
        deleted += keys.length;
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return deleted;
  }

  private keyOf(key: ObjectKey): string {
    return objectKey(key.workspaceId, key.sha256).path;
  }

  private async deleteKey(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }
}
