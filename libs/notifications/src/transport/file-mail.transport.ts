import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import nodemailer, { type Transporter } from 'nodemailer';
import { type OutgoingMail, type SentMail, MailTransport } from './mail-transport.js';

/** Development: each mail becomes an .eml file in MAIL_OUTBOX_DIR, so nothing else has to run. */
export class FileMailTransport extends MailTransport {
  readonly kind = 'file' as const;
  private readonly transporter: Transporter;

  constructor(private readonly directory: string) {
    super();
    this.transporter = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  }

  async send(mail: OutgoingMail): Promise<SentMail> {
    const info = await this.transporter.sendMail({ ...mail });
    await mkdir(this.directory, { recursive: true });
    const slug = mail.messageId.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '');
    const file = path.join(this.directory, `${new Date().toISOString().replace(/[:.]/g, '-')}-${slug}.eml`);
    await writeFile(file, info.message as Buffer);
    return { messageId: info.messageId, response: `written to ${file}` };
  }

  async close(): Promise<void> {}
}
