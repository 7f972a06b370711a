import { Injectable } from '@nestjs/common';
import { UsersService } from '@groundwork/identity';
import type { EventMailPlanner, PlannedMail } from '@groundwork/notifications';
import { AppConfig, type EventEnvelopeOf } from '@groundwork/platform';
import { WORK_MAILED_EVENTS } from '../events/work-events.js';
import { TaskReadsService } from '../tasks/task-reads.service.js';

type WorkMailedEvent = (typeof WORK_MAILED_EVENTS)[number];

/** Who gets which mail for the work events: the new assignee of a task. */
@Injectable()
export class TaskMails implements EventMailPlanner<WorkMailedEvent> {
  readonly events = WORK_MAILED_EVENTS;

  constructor(
    private readonly tasks: TaskReadsService,
    private readonly users: UsersService,
    private readonly config: AppConfig,
  ) {}

  /**
   * Tells the assignee, unless they assigned the task to themselves. A task deleted or given to
   * someone else before the job ran is not mailed: the mail would point at a stale fact.
   */
  async plan(event: EventEnvelopeOf<WorkMailedEvent>): Promise<PlannedMail[]> {
    const { actorId, workspaceId, data } = event;
    if (actorId === data.assigneeId) return [];
    const task = await this.tasks.forMail(data.taskId);
    if (!task || task.assigneeId !== data.assigneeId || task.workspaceId !== workspaceId) return [];
    const assignee = await this.users.findById(data.assigneeId);
    if (!assignee) return [];
    return [
      {
        to: assignee.email,
        template: 'task-assigned',
        compose: async () => {
          const actor = actorId === null ? undefined : await this.users.findById(actorId);
          return {
            assigneeName: assignee.name,
            assignedBy: actor?.name ?? 'Someone',
            taskKey: task.key,
            taskTitle: task.title,
            taskUrl: `${this.config.mail.appWebUrl}/workspaces/${task.workspaceId}/tasks/${task.taskId}`,
          };
        },
      },
    ];
  }
}
