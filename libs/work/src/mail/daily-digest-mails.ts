import { Injectable } from '@nestjs/common';
import { v5 as uuidv5 } from 'uuid';
import { UsersService } from '@groundwork/identity';
import type { MailRequest } from '@groundwork/notifications';
import { AppConfig } from '@groundwork/platform';
import { WorkspaceAccess } from '@groundwork/workspaces';
import { type DueTask, TaskReadsService } from '../tasks/task-reads.service.js';

const DAY_MS = 86_400_000;
/** The namespace of the digest's mail ids (a fixed, random UUID). */
const DIGEST_NAMESPACE = '5b0f7c1e-2f4d-4c83-9a61-3d8e2b6f0a47';

/** One assignee of the day's digest; their mail is planned on its own, so one failure stops no other. */
export interface DigestRecipient {
  assigneeId: string;
  /** The assignee's digest, or undefined when there is nobody to mail or nothing they may see. */
  plan(): Promise<MailRequest<'daily-digest'> | undefined>;
}

/**
 * Who gets the daily digest, with what: each assignee with tasks due in the next 24 hours, one
 * mail listing those of workspaces they still belong to. Its id is derived from (UTC day,
 * user), so sending it once per id sends nobody a second digest the same day.
 */
@Injectable()
export class DailyDigestMails {
  constructor(
    private readonly tasks: TaskReadsService,
    private readonly access: WorkspaceAccess,
    private readonly users: UsersService,
    private readonly config: AppConfig,
  ) {}

  async recipients(now: Date): Promise<{ day: string; recipients: DigestRecipient[] }> {
    const day = now.toISOString().slice(0, 10);
    const due = await this.tasks.dueBetween(now, new Date(now.getTime() + DAY_MS));
    const byAssignee = new Map<string, DueTask[]>();
    for (const task of due) byAssignee.set(task.assigneeId, [...(byAssignee.get(task.assigneeId) ?? []), task]);
    return {
      day,
      recipients: [...byAssignee].map(([assigneeId, tasks]) => ({
        assigneeId,
        plan: () => this.digestOf(day, assigneeId, tasks),
      })),
    };
  }

  private async digestOf(
    day: string,
    assigneeId: string,
    due: DueTask[],
  ): Promise<MailRequest<'daily-digest'> | undefined> {
    const user = await this.users.findById(assigneeId);
    if (!user) return undefined;
    // Someone who left a workspace no longer sees its tasks, in a mail neither.
    const visible: DueTask[] = [];
    for (const task of due) {
      if ((await this.access.roleOf(task.workspaceId, assigneeId)) !== undefined) visible.push(task);
    }
    if (visible.length === 0) return undefined;
    return {
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
    };
  }
}
