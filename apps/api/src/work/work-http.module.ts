import { Module } from '@nestjs/common';
import { WorkModule } from '@groundwork/work';
import { ProjectsController } from './projects/projects.controller.js';

/** The HTTP edge of the work context: projects, tasks, comments. */
@Module({
  imports: [WorkModule],
  controllers: [ProjectsController],
})
export class WorkHttpModule {}
