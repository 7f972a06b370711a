import { Injectable } from '@nestjs/common';
import { PrismaService } from '@groundwork/platform';

/** What the mail consumer needs to tell someone about a task. */
export interface TaskMailFacts {
  taskId: string;
  workspaceId: string;
  key: string;
  title: string;
  assigneeId: string | null;
}

/** One task due soon, for an assignee's digest. */
export interface DueTask {
  assigneeId: string;
  workspaceId: string;
  taskId: string;
  key: string;
  title: string;
  dueAt: Date;
}

/** Read models of tasks for other contexts: the facts a mail or a digest about a task needs. */
@Injectable()
export class TaskReadsService {
  constructor(private readonly prisma: PrismaService) {}

  /** The facts of a live task for a mail about it, or undefined when it is gone. */
  async forMail(taskId: string): Promise<TaskMailFacts | undefined> {
    const task = await this.prisma.task.findFirst({
      where: { id: taskId, deletedAt: null },
      select: {
        id: true,
        workspaceId: true,
        number: true,
        title: true,
        assigneeId: true,
        project: { select: { key: true } },
      },
    });
    if (!task) return undefined;
    return {
      taskId: task.id,
      workspaceId: task.workspaceId,
      key: `${task.project.key}-${task.number}`,
      title: task.title,
      assigneeId: task.assigneeId,
    };
  }

  /** Live, assigned, not finished tasks due in [from, to), by due date. */
  async dueBetween(from: Date, to: Date): Promise<DueTask[]> {
    const rows = await this.prisma.task.findMany({
      where: {
        deletedAt: null,
        assigneeId: { not: null },
        dueAt: { gte: from, lt: to },
        status: { notIn: ['done', 'canceled'] },
      },
      orderBy: [{ dueAt: 'asc' }, { id: 'asc' }],
      select: {
        id: true,
        workspaceId: true,
        number: true,
        title: true,
        assigneeId: true,
        dueAt: true,
        project: { select: { key: true } },
      },
    });
    return rows.flatMap((row) =>
      row.assigneeId === null || row.dueAt === null
        ? []
        : [
            {
              assigneeId: row.assigneeId,
              workspaceId: row.workspaceId,
              taskId: row.id,
              key: `${row.project.key}-${row.number}`,
              title: row.title,
              dueAt: row.dueAt,
            },
          ],
    );
  }
}
