import { Injectable, Logger } from '@nestjs/common';
import { MailerService } from '@groundwork/notifications';
import { DailyDigestMails } from '@groundwork/work';

export interface DigestOutcome {
  day: string;
  recipients: number;
  sent: number;
  alreadySent: number;
  failed: number;
}

/**
 * The daily digest's sending: who gets which digest is the work context's decision
 * (`DailyDigestMails`); this sends each once (`sendOnce` keeps a sent-record per mail id), so a
 * retried job or a second firing the same day sends nobody a second digest. One recipient's
 * failure does not stop the others; the job fails at the end (and is retried) if any failed —
 * those already sent are skipped then.
 */
@Injectable()
export class DailyDigestService {
  private readonly logger = new Logger(DailyDigestService.name);

  constructor(
    private readonly digests: DailyDigestMails,
    private readonly mailer: MailerService,
  ) {}

  async send(now = new Date()): Promise<DigestOutcome> {
    const { day, recipients } = await this.digests.recipients(now);
    const outcome: DigestOutcome = { day, recipients: 0, sent: 0, alreadySent: 0, failed: 0 };
    for (const recipient of recipients) {
      try {
        const mail = await recipient.plan();
        if (mail === undefined) continue;
        const result = await this.mailer.sendOnce(mail);
        outcome.recipients += 1;
        if (result === 'already-sent') outcome.alreadySent += 1;
        else outcome.sent += 1;
      } catch (error) {
        outcome.recipients += 1;
        outcome.failed += 1;
        this.logger.warn({ err: error, assigneeId: recipient.assigneeId }, 'daily digest not sent');
      }
    }
    if (outcome.failed > 0)
      throw new Error(`daily digest: ${outcome.failed} mail(s) failed (${JSON.stringify(outcome)})`);
    return outcome;
  }
}
