import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { Injectable } from '@nestjs/common';
import { payloadTooLarge, sanitizeFilename } from '@groundwork/files';
import { AppConfig } from '@groundwork/platform';
import type { StreamedBodyIdentity } from '../http/idempotency/idempotent.decorator.js';
import type { AttachmentDto } from './attachments.dto.js';
import { MultipartFileReader } from './multipart-file.reader.js';

/** What makes two uploads the same request: the same bytes under the same stored filename. */
interface UploadName {
  filename: string;
  sha256: string;
}

/**
 * Names an upload for `Idempotency-Key`: a first upload by the attachment it created, a
 * repeated one by reading its file part through the same reader the route uses (so a
 * malformed repeat fails as the route would) and hashing it without storing a byte.
 */
@Injectable()
export class UploadIdentity implements StreamedBodyIdentity {
  constructor(private readonly config: AppConfig) {}

  async ofRequest(request: IncomingMessage): Promise<UploadName> {
    const maxBytes = this.config.storage.attachmentMaxBytes;
    const reader = new MultipartFileReader(request, maxBytes);
    try {
      const file = await reader.read();
      const hash = createHash('sha256');
      let size = 0;
      await pipeline(file.content, async (chunks: AsyncIterable<Buffer>) => {
        for await (const chunk of chunks) {
          size += chunk.length;
          if (size > maxBytes) throw payloadTooLarge(maxBytes);
          hash.update(chunk);
        }
      });
      await file.rest;
      return { filename: sanitizeFilename(file.filename), sha256: hash.digest('hex') };
    } catch (error) {
      throw reader.explain(error);
    }
  }

  ofResult(result: unknown): UploadName {
    const attachment = result as AttachmentDto;
    return { filename: attachment.filename, sha256: attachment.sha256 };
  }
}
