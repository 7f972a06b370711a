import { TextDecoder } from 'node:util';
import { fileTypeFromBuffer, supportedMimeTypes } from 'file-type';
import { DomainError } from '@groundwork/platform';

/** How many leading bytes the sniffer looks at. */
export const SNIFF_BYTES = 4100;

const OCTET_STREAM = 'application/octet-stream';
const MEDIA_TYPE = /^([a-z0-9][a-z0-9!#$&^_.+-]{0,126})\/([a-z0-9][a-z0-9!#$&^_.+-]{0,126})$/;

/** Types without a magic number: their bytes must be valid UTF-8 without NUL. */
function isTextual(type: string): boolean {
  return type.startsWith('text/') || type === 'application/json' || type.endsWith('+json');
}

const contradicted = (declared: string, found: string | undefined) =>
  new DomainError(
    'unsupported_media_type',
    found
      ? `The file was declared as ${declared} but its bytes are ${found}.`
      : `The file was declared as ${declared} but its bytes are not.`,
    { extensions: { declaredType: declared, ...(found ? { detectedType: found } : {}) } },
  );

/**
 * The declared type of an upload, checked against its bytes (415 when they contradict it):
 * - `application/octet-stream` (or no type) claims nothing: the type is what the bytes show;
 * - text types (text/*, JSON) have no magic number: the bytes must be valid UTF-8 without NUL
 *   and must not sniff as a binary format;
 * - a type the sniffer knows must be what it finds in the first bytes;
 * - any other type is accepted unless the bytes sniff as something else.
 * Fed the head (first SNIFF_BYTES bytes) once, every chunk, then `end()`.
 */
export class ContentTypeCheck {
  readonly declared: string;
  private detected: string | undefined;
  private readonly utf8: TextDecoder | undefined;

  constructor(declaredType: string | undefined) {
    const essence = (declaredType ?? '').split(';')[0]?.trim().toLowerCase() || OCTET_STREAM;
    if (!MEDIA_TYPE.test(essence)) {
      throw new DomainError('unsupported_media_type', 'The file part’s Content-Type is not a media type.');
    }
    this.declared = essence;
    this.utf8 = isTextual(essence) ? new TextDecoder('utf-8', { fatal: true }) : undefined;
  }

  /** The type to store: the declared one, or for octet-stream what the bytes showed. */
  get contentType(): string {
    return this.declared === OCTET_STREAM ? (this.detected ?? OCTET_STREAM) : this.declared;
  }

  async head(bytes: Uint8Array): Promise<void> {
    this.detected = (await fileTypeFromBuffer(bytes))?.mime;
    if (this.declared === OCTET_STREAM) return;
    if (this.utf8) {
      if (this.detected !== undefined) throw contradicted(this.declared, this.detected);
      return;
    }
    const known = (supportedMimeTypes as ReadonlySet<string>).has(this.declared);
    if (known ? this.detected !== this.declared : this.detected !== undefined && this.detected !== this.declared) {
      throw contradicted(this.declared, this.detected);
    }
  }

  chunk(bytes: Uint8Array): void {
    if (!this.utf8) return;
    if (bytes.includes(0)) throw contradicted(this.declared, undefined);
    try {
      this.utf8.decode(bytes, { stream: true });
    } catch {
      throw contradicted(this.declared, undefined);
    }
  }

  end(): void {
    if (!this.utf8) return;
    try {
      this.utf8.decode();
    } catch {
      throw contradicted(this.declared, undefined);
    }
  }
}
