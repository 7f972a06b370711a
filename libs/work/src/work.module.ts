import { Module } from '@nestjs/common';
import { IdentityModule } from '@groundwork/identity';
import { TwoLevelCacheModule } from '@groundwork/platform';
import { WorkspacesModule } from '@groundwork/workspaces';
import { CommentsService } from './comments/comments.service.js';
import { DailyDigestMails } from './mail/daily-digest-mails.js';
import { TaskMails } from './mail/task-mails.js';
import { ProjectsService } from './projects/projects.service.js';
import { TaskListQuery } from './tasks/task-list.query.js';
import { TaskReadsService } from './tasks/task-reads.service.js';
import { TasksService } from './tasks/tasks.service.js';

const SERVICES = [
  ProjectsService,
  TasksService,
  TaskListQuery,
  TaskReadsService,
  CommentsService,
  TaskMails,
  DailyDigestMails,
];

/**
 * The work context: projects, tasks, comments. It asks the workspaces context (through its
 * exported services) who is a member; nothing imports it but the apps.
 */
@Module({
  imports: [IdentityModule, WorkspacesModule, TwoLevelCacheModule],
  providers: SERVICES,
  exports: SERVICES,
})
export class WorkModule {}
