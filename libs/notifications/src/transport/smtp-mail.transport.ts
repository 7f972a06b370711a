import nodemailer, { type Transporter } from 'nodemailer';
import { MailDeliveryError, type OutgoingMail, type SentMail, MailTransport } from './mail-transport.js';

interface SmtpError extends Error {
  responseCode?: number;
  code?: string;
}

export interface SmtpTransportOptions {
  /** Refuse to send unless the connection is TLS (`smtps://`, or STARTTLS offered and taken). */
  requireTls?: boolean;
}

/**
 * SMTP through nodemailer (`SMTP_URL`), pooled connections. With `requireTls`, a server that
 * offers no STARTTLS gets no message: the send fails for good (a dead letter with the reason
 * in the log) — never a crash, and the process still boots with such a URL.
 */
export class SmtpMailTransport extends MailTransport {
  readonly kind = 'smtp' as const;
  private readonly transporter: Transporter;
  private readonly requireTls: boolean;
  private readonly endpoint: string;

  constructor(smtpUrl: string, options: SmtpTransportOptions = {}) {
    super();
    const url = new URL(smtpUrl);
    const port = url.port ? Number(url.port) : url.protocol === 'smtps:' ? 465 : 587;
    this.requireTls = options.requireTls === true && url.protocol !== 'smtps:';
    this.endpoint = `${url.hostname}:${port}`;
    this.transporter = nodemailer.createTransport({
      host: url.hostname,
      port,
      secure: url.protocol === 'smtps:',
      requireTLS: this.requireTls,
      auth: url.username
        ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) }
        : undefined,
      pool: true,
      maxConnections: 5,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
    });
  }

  async send(mail: OutgoingMail): Promise<SentMail> {
    try {
      const info = await this.transporter.sendMail({
        from: mail.from,
        to: mail.to,
        subject: mail.subject,
        html: mail.html,
        text: mail.text,
        messageId: mail.messageId,
      });
      return { messageId: info.messageId ?? mail.messageId, response: info.response ?? '' };
    } catch (error) {
      const smtp = error as SmtpError;
      // nodemailer's ETLS: STARTTLS missing or failed while TLS is required. Retrying cannot help.
      if (this.requireTls && smtp.code === 'ETLS') {
        throw new MailDeliveryError(
          `SMTP send refused: ${this.endpoint} offered no usable STARTTLS and SMTP_REQUIRE_TLS requires TLS ` +
            '(use smtps://, a server with STARTTLS, or SMTP_REQUIRE_TLS=false)',
          true,
        );
      }
      const code = smtp.responseCode;
      // 5xx is the server's final "no" (unknown mailbox, policy): retrying cannot help.
      const permanent = code !== undefined && code >= 500 && code < 600;
      throw new MailDeliveryError(`SMTP send failed: ${smtp.message}`, permanent, code);
    }
  }

  async close(): Promise<void> {
    this.transporter.close();
  }
}
