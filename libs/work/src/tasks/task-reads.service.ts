import { Injectable } from '@nestjs/common';
import { isUuid, type Prisma, PrismaService } from '@groundwork/platform';

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

/** What a mail names a task by: its key (`ENG-42`) and title, with where it lives and who has it. */
const TASK_FACTS = {
  id: true,
  workspaceId: true,
  number: true,
  title: true,
  assigneeId: true,
  project: { select: { key: true } },
} as const satisfies Prisma.TaskSelect;

function keyOf(task: { number: number; project: { key: string } }): string {
  return `${task.project.key}-${task.number}`;
}

/** Read models of tasks for other contexts: the facts a mail or a digest about a task needs. */
@Injectable()
export class TaskReadsService {
  constructor(private readonly prisma: PrismaService) {}

  /** Whether the task exists in the workspace and is not deleted (what hangs off a task shares its fate). */
  async isLive(workspaceId: string, taskId: string): Promise<boolean> {
    if (!isUuid(taskId)) return false;
    return (await this.prisma.task.count({ where: { id: taskId, workspaceId, deletedAt: null } })) > 0;
  }

  /** The facts of a live task for a mail about it, or undefined when it is gone. */
  async forMail(taskId: string): Promise<TaskMailFacts | undefined> {
    const task = await this.prisma.task.findFirst({
      where: { id: taskId, deletedAt: null },
      select: TASK_FACTS,
    });
    if (!task) return undefined;
    return {
      taskId: task.id,
      workspaceId: task.workspaceId,
      key: keyOf(task),
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
      select: { ...TASK_FACTS, dueAt: true },
    });
    return rows.flatMap((row) =>
      row.assigneeId === null || row.dueAt === null
        ? []
        : [
            {
              assigneeId: row.assigneeId,
              workspaceId: row.workspaceId,
              taskId: row.id,
              key: keyOf(row),
              title: row.title,
              dueAt: row.dueAt,
            },
          ],
    );
  }
}
