import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** Raised when a sealed value cannot be opened: malformed, tampered with, or sealed under another key. */
export class SecretBoxError extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'SecretBoxError';
  }
}

const VERSION = 'v1';
const KEY_BYTES = 32;
// 96-bit nonces are GCM's native size; random ones are safe far beyond this key's expected use.
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Authenticated encryption of secrets kept at rest (stored idempotent replies that hold a
 * shown-once secret, webhook signing secrets): AES-256-GCM under `ENCRYPTION_KEY`.
 *
 * Output: `v1.<base64url nonce>.<base64url ciphertext + tag>`. The version prefix lets a later
 * format (another algorithm, a key id for rotation) be introduced while old values still open.
 * `context` is bound as associated data: a value sealed for one row does not open for another,
 * so sealed blobs cannot be swapped between rows by someone who can write the table.
 */
export class SecretBox {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== KEY_BYTES) throw new SecretBoxError(`the key must be ${KEY_BYTES} bytes, got ${key.length}`);
    this.#key = Buffer.from(key);
  }

  seal(plaintext: string, context = ''): string {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${VERSION}.${nonce.toString('base64url')}.${ciphertext.toString('base64url')}`;
  }

  open(sealed: string, context = ''): string {
    const parts = sealed.split('.');
    if (parts.length !== 3 || parts[0] !== VERSION) throw new SecretBoxError('not a sealed value of a known version');
    const nonce = Buffer.from(parts[1] ?? '', 'base64url');
    const data = Buffer.from(parts[2] ?? '', 'base64url');
    if (nonce.length !== NONCE_BYTES || data.length < TAG_BYTES) throw new SecretBoxError('malformed sealed value');
    const decipher = createDecipheriv('aes-256-gcm', this.#key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(data.subarray(0, data.length - TAG_BYTES)), decipher.final()]).toString(
        'utf8',
      );
    } catch (error) {
      // GCM does not say which: the key is wrong, the context is wrong, or a byte was changed.
      throw new SecretBoxError('the sealed value failed authentication', { cause: error });
    }
  }
}
