import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { DomainError } from '@groundwork/platform';
import { type ContentTypeCheck, SNIFF_BYTES } from './content-type-check.js';

export interface MeterLimits {
  /** ATTACHMENT_MAX_BYTES: one byte more is a 413. */
  maxBytes: number;
  /** What the workspace's quota had left when the upload began: one byte more is a 409. */
  quotaLeftBytes: number;
}

export const payloadTooLarge = (maxBytes: number) =>
  new DomainError('payload_too_large', `The file is larger than ${maxBytes} bytes.`, { extensions: { maxBytes } });

export const quotaExceeded = () =>
  new DomainError('storage_quota_exceeded', 'This upload would take the workspace over its storage quota.');

/**
 * Passes an upload's bytes through on their way to storage, and meanwhile: hashes them
 * (SHA-256), counts them, stops the stream the moment they exceed the size limit or the quota
 * left, and has the type check look at the first bytes and every chunk. Nothing is buffered
 * beyond the sniffer's few kilobytes.
 */
export class ContentMeter extends Transform {
  private readonly hash = createHash('sha256');
  private head: Buffer[] = [];
  private headBytes = 0;
  private sniffed = false;
  // Not `size` or `length`: the S3 SDK's multipart upload takes a body's numeric `size` for its
  // total length, and a meter saying 0 failed every upload of more than one part.
  private passed = 0;

  constructor(
    private readonly limits: MeterLimits,
    private readonly typeCheck: ContentTypeCheck,
  ) {
    super();
  }

  /** How many bytes passed (all of them, once the stream has ended). */
  byteCount(): number {
    return this.passed;
  }

  /** The hex SHA-256 of everything that passed (once the stream has ended). */
  digest(): string {
    return this.hash.digest('hex');
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.passed += chunk.length;
    if (this.passed > this.limits.maxBytes) return callback(payloadTooLarge(this.limits.maxBytes));
    if (this.passed > this.limits.quotaLeftBytes) return callback(quotaExceeded());
    try {
      this.typeCheck.chunk(chunk);
    } catch (error) {
      return callback(error as Error);
    }
    this.hash.update(chunk);
    if (this.sniffed) return callback(null, chunk);
    this.head.push(chunk);
    this.headBytes += chunk.length;
    if (this.headBytes < SNIFF_BYTES) return callback(null, chunk);
    this.sniff().then(
      () => callback(null, chunk),
      (error: unknown) => callback(error as Error),
    );
  }

  override _flush(callback: TransformCallback): void {
    const sniffing = this.sniffed ? Promise.resolve() : this.sniff();
    sniffing.then(
      () => {
        try {
          this.typeCheck.end();
          callback();
        } catch (error) {
          callback(error as Error);
        }
      },
      (error: unknown) => callback(error as Error),
    );
  }

  private async sniff(): Promise<void> {
    this.sniffed = true;
    const head = Buffer.concat(this.head).subarray(0, SNIFF_BYTES);
    this.head = [];
    await this.typeCheck.head(head);
  }
}
