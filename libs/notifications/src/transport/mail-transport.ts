export interface OutgoingMail {
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  /** Stable per (event, recipient, template): a resend carries the same Message-ID. */
  messageId: string;
}

export interface SentMail {
  messageId: string;
  /** The server's final answer (e.g. `250 2.0.0 queued`). */
  response: string;
}

/** A failed send, classified: permanent failures (SMTP 5xx) must not be retried. */
export class MailDeliveryError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly responseCode?: number,
  ) {
    super(message);
    this.name = 'MailDeliveryError';
  }
}

/** The port through which mail leaves: SMTP in production, .eml files in development. */
export abstract class MailTransport {
  abstract readonly kind: 'smtp' | 'file';
  abstract send(mail: OutgoingMail): Promise<SentMail>;
  abstract close(): Promise<void>;
}
