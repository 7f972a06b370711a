import type { TestingModule } from '@nestjs/testing';
import { EventsModule, type PrismaService } from '@groundwork/platform';
import { WorkModule } from '@groundwork/work';
import { type WorkspaceRole, WorkspacesService } from '@groundwork/workspaces';
import { platformTestingModule } from '../../support/platform-context.js';
import { addMember, People, uniqueSlug } from '../workspaces/workspaces-fixtures.js';

export { actor, eventsOf, outcome } from '../workspaces/workspaces-fixtures.js';

/** The work context on the real platform (PostgreSQL, Redis, outbox) with the workspaces context. */
export function workTestingModule(): Promise<TestingModule> {
  return platformTestingModule({ imports: [EventsModule, WorkModule] });
}

/** Workspaces with one person per requested role, cleaned up (with everything in them) at the end. */
export class WorkArrangement {
  private readonly people: People;
  private readonly workspaceIds: string[] = [];

  constructor(
    private readonly prisma: PrismaService,
    private readonly workspaces: WorkspacesService,
  ) {
    this.people = new People(prisma);
  }

  async workspace(
    ...roles: Exclude<WorkspaceRole, 'owner'>[]
  ): Promise<{ id: string; owner: string; others: string[] }> {
    const owner = await this.people.create('Owner');
    const workspace = await this.workspaces.create(owner.id, { name: 'Acme', slug: uniqueSlug('work') });
    this.workspaceIds.push(workspace.id);
    const others: string[] = [];
    for (const role of roles) {
      const person = await this.people.create(role);
      await addMember(this.prisma, workspace.id, person.id, role);
      others.push(person.id);
    }
    return { id: workspace.id, owner: owner.id, others };
  }

  async outsider(): Promise<string> {
    return (await this.people.create('Outsider')).id;
  }

  async cleanUp(): Promise<void> {
    await this.people.cleanUp(this.workspaceIds);
  }
}
