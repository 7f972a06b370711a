import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import busboy from 'busboy';
import { DomainError, RequestCancelledError } from '@groundwork/platform';
import type { UploadedFile } from '@groundwork/files';

/** The one part an upload carries. */
export const FILE_PART = 'file';

const notMultipart = () =>
  new DomainError(
    'unsupported_media_type',
    `The request body must be multipart/form-data with one part named "${FILE_PART}".`,
  );

const malformed = (why: string) => new DomainError('bad_request', `The multipart body is malformed: ${why}.`);

const wrongParts = (message: string) =>
  new DomainError('validation_failed', `The body must hold exactly one file, in a part named "${FILE_PART}".`, {
    errors: [{ field: FILE_PART, message }],
  });

/**
 * Reads a `multipart/form-data` request as a stream (busboy): hands over the one file part as
 * soon as its headers arrive, and watches the rest of the body — a second file, any other
 * part, a malformed or truncated body, a client that goes away — to fail the upload. Nothing
 * is buffered but busboy's window. Whatever went wrong, `explain` turns the error the upload
 * failed with into the answer, and lets the unread rest of the body drain so the client can
 * read that answer.
 */
export class MultipartFileReader {
  private file: Readable | undefined;
  private violation: Error | undefined;
  private parser: busboy.Busboy | undefined;

  constructor(
    private readonly request: IncomingMessage,
    /** ATTACHMENT_MAX_BYTES: busboy stops one byte later (its limit fires *at* the limit). */
    private readonly maxBytes: number,
  ) {}

  read(): Promise<UploadedFile> {
    if (!/^multipart\/form-data\s*(;|$)/i.test(this.request.headers['content-type'] ?? '')) throw notMultipart();
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: this.request.headers,
        defParamCharset: 'utf8',
        limits: { fileSize: this.maxBytes + 1, fieldSize: 64 * 1024, parts: 16, headerPairs: 32 },
      });
    } catch (error) {
      throw malformed((error as Error).message.replace(/^Multipart: /, '').toLowerCase());
    }
    this.parser = parser;
    return new Promise((resolve, reject) => {
      let settleRest: { resolve: () => void; reject: (error: Error) => void } | undefined;
      const rest = new Promise<void>((resolveRest, rejectRest) => {
        settleRest = { resolve: resolveRest, reject: rejectRest };
      });
      // Awaited by the upload later; a failure before then must not count as unhandled.
      rest.catch(() => undefined);

      const fail = (error: Error) => {
        if (this.violation) return;
        this.violation = error;
        this.drain();
        if (!this.file) return reject(error);
        if (!this.file.readableEnded && !this.file.destroyed) this.file.destroy(error);
        settleRest?.reject(error);
      };

      parser.on('file', (name, stream, info) => {
        if (this.violation) return stream.resume();
        if (name !== FILE_PART) {
          stream.resume();
          return fail(wrongParts(`unexpected part "${name}"`));
        }
        if (this.file) {
          stream.resume();
          return fail(wrongParts('only one file may be uploaded at a time'));
        }
        this.file = stream;
        // Its failures reach the upload through its consumer and `rest`; none may go unheard.
        stream.on('error', () => undefined);
        resolve({ filename: info.filename, declaredType: info.mimeType, content: stream, rest });
      });
      parser.on('field', (name) =>
        fail(
          wrongParts(name === FILE_PART ? 'the part has no filename: it is not a file' : `unexpected part "${name}"`),
        ),
      );
      parser.on('partsLimit', () => fail(wrongParts('too many parts')));
      parser.on('error', (error: Error) => fail(malformed(error.message.toLowerCase())));
      parser.on('close', () => {
        if (this.violation) return;
        if (!this.file) return fail(wrongParts('no file part'));
        settleRest?.resolve();
      });
      this.request.on('close', () => {
        if (!this.request.complete) fail(new RequestCancelledError('client_disconnected'));
      });
      this.request.pipe(parser);
    });
  }

  /**
   * The error to answer with after the upload failed with `error`: what the reader saw wrong
   * with the body if anything (busboy's own errors become 400), else `error` itself.
   */
  explain(error: unknown): unknown {
    this.drain();
    if (this.violation) return this.violation;
    // busboy fails the file stream with its own plain errors (a truncated part); a DomainError
    // on it came from downstream (the meter's 413, 415, 409), passed back up by the pipeline.
    if (this.file && error instanceof Error && !(error instanceof DomainError) && this.file.errored === error)
      return malformed(error.message.toLowerCase());
    return error;
  }

  /** Stops parsing and lets the unread rest of the body flow away. */
  private drain(): void {
    if (!this.parser) return;
    this.request.unpipe(this.parser);
    this.request.resume();
  }
}
