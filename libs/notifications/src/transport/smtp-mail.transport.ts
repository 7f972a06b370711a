import nodemailer, { type Transporter } from 'nodemailer';
import { MailDeliveryError, type OutgoingMail, type SentMail, MailTransport } from './mail-transport.js';

interface SmtpError extends Error {
  responseCode?: number;
  code?: string;
}

/** SMTP through nodemailer (`SMTP_URL`), pooled connections. */
export class SmtpMailTransport extends MailTransport {
  readonly kind = 'smtp' as const;
  private readonly transporter: Transporter;

  constructor(smtpUrl: string) {
    super();
    const url = new URL(smtpUrl);
    this.transporter = nodemailer.createTransport({
      host: url.hostname,
      port: url.port ? Number(url.port) : url.protocol === 'smtps:' ? 465 : 587,
      secure: url.protocol === 'smtps:',
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
