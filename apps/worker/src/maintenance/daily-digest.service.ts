import { Injectable, Logger } from '@nestjs/common';
import { v5 as uuidv5 } from 'uuid';
import { UsersService } from '@groundwork/identity';
import { MailerService } from '@groundwork/notifications';
import { AppConfig } from '@groundwork/platform';
import { type DueTask, TaskReadsService } from '@groundwork/work';
import { WorkspaceAccess } from '@groundwork/workspaces';

const DAY_MS = 86_400_000;
/** The namespace of the digest's mail ids (a fixed, random UUID). */
const DIGEST_NAMESPACE = '5b0f7c1e-2f4d-4c83-9a61-3d8e2b6f0a47';

export interface DigestOutcome {
  day: string;
  recipients: number;
  sent: number;
  alreadySent: number;
  failed: number;
}

/**
 * The daily digest: each assignee gets one mail listing their tasks due in the next 24 hours.
 * Idempotent per (UTC day, user): the mail's id is derived from both and `sendOnce` keeps a
 * sent-record per id, so a retried job or a second firing the same day sends nobody a second
 * digest. One recipient's failure does not stop the others; the job fails at the end (and is
 * retried) if any failed — those already sent are skipped then.
 */
@Injectable()
export class DailyDigestService {
  private readonly logger = new Logger(DailyDigestService.name);

  constructor(
    private readonly tasks: TaskReadsService,
    private readonly access: WorkspaceAccess,
    private readonly users: UsersService,
    private readonly mailer: MailerService,
    private readonly config: AppConfig,
  ) {}

  async send(now = new Date()): Promise<DigestOutcome> {
    const day = now.toISOString().slice(0, 10);
    const due = await this.tasks.dueBetween(now, new Date(now.getTime() + DAY_MS));
    const byAssignee = new Map<string, DueTask[]>();
    for (const task of due) byAssignee.set(task.assigneeId, [...(byAssignee.get(task.assigneeId) ?? []), task]);

    const outcome: DigestOutcome = { day, recipients: 0, sent: 0, alreadySent: 0, failed: 0 };
    for (const [assigneeId, tasks] of byAssignee) {
      try {
        const result = await this.sendTo(day, assigneeId, tasks);
        if (result === 'skipped') continue;
        outcome.recipients += 1;
        if (result === 'already-sent') outcome.alreadySent += 1;
        else outcome.sent += 1;
      } catch (error) {
        outcome.recipients += 1;
        outcome.failed += 1;
        this.logger.warn({ err: error, assigneeId }, 'daily digest not sent');
      }
    }
    if (outcome.failed > 0)
      throw new Error(`daily digest: ${outcome.failed} mail(s) failed (${JSON.stringify(outcome)})`);
    return outcome;
  }

  private async sendTo(day: string, assigneeId: string, due: DueTask[]): Promise<string> {
    const user = await this.users.findById(assigneeId);
    if (!user) return 'skipped';
    // Someone who left a workspace no longer sees its tasks, in a mail neither.
    const visible: DueTask[] = [];
    for (const task of due) {
      if ((await this.access.roleOf(task.workspaceId, assigneeId)) !== undefined) visible.push(task);
    }
    if (visible.length === 0) return 'skipped';
    return this.mailer.sendOnce({
      eventId: uuidv5(`daily-digest:${day}:${assigneeId}`, DIGEST_NAMESPACE),
      to: user.email,
      template: 'daily-digest',
      data: {
        name: user.name,
        date: day,
        tasks: visible.map((task) => ({
          key: task.key,
          title: task.title,
          dueAt: task.dueAt.toISOString(),
          url: `${this.config.mail.appWebUrl}/workspaces/${task.workspaceId}/tasks/${task.taskId}`,
        })),
      },
    });
  }
}
