import type { Readable } from 'node:stream';

/** One file of an upload request, as the HTTP edge hands it over: a stream, not a buffer. */
export interface UploadedFile {
  /** As the client named it (sanitised before it is stored). */
  filename: string | undefined;
  /** The part's declared Content-Type. */
  declaredType: string | undefined;
  content: Readable;
  /**
   * Settles once the rest of the request was read: rejects when it held more than this one
   * file, was malformed or was cut off — then nothing of the upload may be kept.
   */
  rest: Promise<void>;
}
