import { Module } from '@nestjs/common';
import { WorkModule } from '@groundwork/work';
import { ProjectsController } from './projects/projects.controller.js';
import { TasksController } from './tasks/tasks.controller.js';

/** The HTTP edge of the work context: projects, tasks, comments. */
@Module({
  imports: [WorkModule],
  controllers: [ProjectsController, TasksController],
})
export class WorkHttpModule {}
