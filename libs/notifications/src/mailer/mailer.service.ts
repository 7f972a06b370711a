import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { ActionLimiter, AppConfig, newId, PrismaService } from '@groundwork/platform';
import { TemplateRenderer } from '../templates/template-renderer.js';
import type { TemplateData, TemplateName } from '../templates/template-catalogue.js';
import { MailTransport, type SentMail } from '../transport/mail-transport.js';

export interface MailRequest<N extends TemplateName> {
  /** The event that causes the mail: with recipient and template, its idempotency key. */
  eventId: string;
  to: string;
  template: N;
  data: TemplateData[N];
}

/** `limited`: the recipient already got RECIPIENT_LIMITED_TEMPLATES' limit of this kind within the hour. */
export type SendOutcome = 'sent' | 'already-sent' | 'limited';

/**
 * The mails anyone can cause for an address they need not own (sign-up, forgot-password, a
 * repeated sign-up): limited per recipient and kind, so they cannot be used to flood a mailbox.
 */
export const RECIPIENT_LIMITED_TEMPLATES: ReadonlySet<TemplateName> = new Set([
  'email-verification',
  'password-reset',
  'account-exists',
]);

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Error && (error as { code?: string }).code === 'P2002';
}

/**
 * At-least-once mail with idempotent sends (docs/events-and-jobs.md). A mail already
 * recorded as sent for (event, recipient, template) is not sent again; the record is written
 * right after the server's 250. A crash between the 250 and that write repeats one message —
 * with the same Message-ID, so mail clients can collapse it. That window is the documented one.
 */
@Injectable()
export class MailerService {
  private readonly logger = new Logger(MailerService.name);
  private readonly from: string;

  constructor(
    private readonly prisma: PrismaService,
    private readonly transport: MailTransport,
    private readonly renderer: TemplateRenderer,
    private readonly limiter: ActionLimiter,
    config: AppConfig,
  ) {
    this.from = config.mail.from;
  }

  async alreadySent(eventId: string, to: string, template: TemplateName): Promise<boolean> {
    const row = await this.prisma.sentEmail.findUnique({
      where: { eventId_recipient_template: { eventId, recipient: to, template } },
      select: { id: true },
    });
    return row !== null;
  }

  /** `<hash(event, recipient, template)@domain of the sender>`: the same on every attempt. */
  messageIdFor(eventId: string, to: string, template: TemplateName): string {
    const digest = createHash('sha256').update(`${eventId}\n${to}\n${template}`).digest('hex').slice(0, 40);
    const domain = /@([^>\s]+)>?\s*$/.exec(this.from)?.[1] ?? 'groundwork.invalid';
    return `<${digest}@${domain}>`;
  }

  async sendOnce<N extends TemplateName>(request: MailRequest<N>): Promise<SendOutcome> {
    const { eventId, to, template } = request;
    if (await this.alreadySent(eventId, to, template)) return 'already-sent';
    const limitKey = RECIPIENT_LIMITED_TEMPLATES.has(template) ? recipientKey(template, to) : undefined;
    if (limitKey !== undefined && !(await this.limiter.take('mail-recipient', limitKey)).allowed) {
      this.logger.warn({ template }, 'mail not sent: the recipient reached its hourly limit for this kind');
      return 'limited';
    }
    const rendered = this.renderer.render(template, request.data);
    const messageId = this.messageIdFor(eventId, to, template);
    let sent: SentMail;
    try {
      sent = await this.transport.send({ from: this.from, to, messageId, ...rendered });
    } catch (error) {
      // Not sent: the retry of this job must find its place still free.
      if (limitKey !== undefined) await this.limiter.giveBack('mail-recipient', limitKey);
      throw error;
    }
    try {
      await this.prisma.sentEmail.create({ data: { id: newId(), eventId, recipient: to, template, messageId } });
    } catch (error) {
      // A concurrent attempt recorded it first: the mail went out twice inside the window.
      if (!isUniqueViolation(error)) throw error;
    }
    this.logger.log({ template, messageId, response: sent.response }, 'mail sent');
    return 'sent';
  }
}

/** The recipient's counter: case-insensitive, and hashed so no address is written to Redis. */
function recipientKey(template: TemplateName, to: string): string {
  return `${template}:${createHash('sha256').update(to.trim().toLowerCase()).digest('base64url')}`;
}
