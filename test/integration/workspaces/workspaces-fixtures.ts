import { randomBytes } from 'node:crypto';
import type { TestingModule } from '@nestjs/testing';
import { AuditModule, DomainError, EventsModule, newId, type PrismaService } from '@groundwork/platform';
import { WorkspacesModule, type WorkspaceActor, type WorkspaceRole } from '@groundwork/workspaces';
import { platformTestingModule } from '../../support/platform-context.js';

/** The workspaces context on the real platform (PostgreSQL, Redis, outbox, audit trail). */
export function workspacesTestingModule(): Promise<TestingModule> {
  return platformTestingModule({ imports: [EventsModule, AuditModule, WorkspacesModule] });
}

/** The DomainError code a call failed with, or 'resolved'. */
export async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
}

export function uniqueSlug(label = 'ws'): string {
  return `${label}-${randomBytes(5).toString('hex')}`;
}

/** Users inserted directly (identity's sign-up is not what these tests are about). */
export class People {
  readonly ids: string[] = [];

  constructor(private readonly prisma: PrismaService) {}

  async create(name = 'Ada'): Promise<{ id: string; email: string }> {
    const id = newId();
    const email = `${name.toLowerCase()}-${randomBytes(5).toString('hex')}@example.com`;
    await this.prisma.user.create({ data: { id, email, name, emailVerifiedAt: new Date() } });
    this.ids.push(id);
    return { id, email };
  }

  /** Cleans up what the tests created: workspaces cascade to memberships and invitations. */
  async cleanUp(workspaceIds: string[]): Promise<void> {
    await this.prisma.workspace.deleteMany({ where: { id: { in: workspaceIds } } });
    await this.prisma.outboxEvent.deleteMany({ where: { workspaceId: { in: workspaceIds } } });
    await this.prisma.auditEvent.deleteMany({ where: { workspaceId: { in: workspaceIds } } });
    await this.prisma.user.deleteMany({ where: { id: { in: this.ids } } });
  }
}

/** Adds a membership directly, for arranging a workspace's members. */
export async function addMember(
  prisma: PrismaService,
  workspaceId: string,
  userId: string,
  role: WorkspaceRole,
): Promise<void> {
  await prisma.membership.create({ data: { workspaceId, userId, role } });
}

export function actor(userId: string, role: WorkspaceRole): WorkspaceActor {
  return { userId, role };
}

export async function rolesOf(prisma: PrismaService, workspaceId: string): Promise<Record<string, WorkspaceRole>> {
  const rows = await prisma.membership.findMany({ where: { workspaceId } });
  return Object.fromEntries(rows.map((row) => [row.userId, row.role]));
}

export function eventsOf(prisma: PrismaService, workspaceId: string, type: string) {
  return prisma.outboxEvent.findMany({ where: { workspaceId, type }, orderBy: { seq: 'asc' } });
}
