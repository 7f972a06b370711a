import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Test, type TestingModule } from '@nestjs/testing';
import { IdentityModule } from '@groundwork/identity';
import { MailTransport, NotificationsModule, type OutgoingMail, type SentMail } from '@groundwork/notifications';
import {
  AuditModule,
  DatabaseModule,
  EventsModule,
  MetricsModule,
  PlatformConfigModule,
  PrismaService,
  RedisModule,
} from '@groundwork/platform';
import { ProjectsService, TasksService, WorkModule } from '@groundwork/work';
import { MembersService, WorkspacesModule, WorkspacesService } from '@groundwork/workspaces';
import { DailyDigestService } from '../../../apps/worker/src/maintenance/daily-digest.service.js';
import { actor, WorkArrangement } from './work-fixtures.js';

/** An SMTP server in memory: records what it accepts. */
class RecordingMailTransport extends MailTransport {
  readonly kind = 'smtp' as const;
  readonly accepted: OutgoingMail[] = [];

  async send(mail: OutgoingMail): Promise<SentMail> {
    this.accepted.push(mail);
    return { messageId: mail.messageId, response: '250 2.0.0 Ok: queued' };
  }

  async close(): Promise<void> {}
}

describe('the daily digest (DailyDigestService on PostgreSQL)', () => {
  let moduleRef: TestingModule;
  let prisma: PrismaService;
  let digest: DailyDigestService;
  let arrange: WorkArrangement;
  const transport = new RecordingMailTransport();
  const recipients: string[] = [];
  // Far in the future, so no other test's tasks are due in the same window.
  const now = new Date('2091-03-14T07:00:00.000Z');
  const hours = (h: number) => new Date(now.getTime() + h * 3_600_000);

  beforeAll(async () => {
    moduleRef = await Test.createTestingModule({
      imports: [
        PlatformConfigModule.forRoot('worker'),
        DatabaseModule,
        RedisModule,
        MetricsModule,
        AuditModule,
        EventsModule,
        IdentityModule,
        NotificationsModule,
        WorkspacesModule,
        WorkModule,
      ],
      providers: [DailyDigestService],
    })
      .overrideProvider(MailTransport)
      .useValue(transport)
      .compile();
    await moduleRef.init();
    prisma = moduleRef.get(PrismaService);
    digest = moduleRef.get(DailyDigestService);
    arrange = new WorkArrangement(prisma, moduleRef.get(WorkspacesService));
  });

  beforeEach(() => {
    transport.accepted.length = 0;
  });

  afterAll(async () => {
    await prisma.sentEmail.deleteMany({ where: { template: 'daily-digest', recipient: { in: recipients } } });
    await arrange.cleanUp();
    await moduleRef.close();
  });

  it('mails each assignee their live, unfinished tasks due in the next 24 h — once per day, however often it runs', async () => {
    const ws = await arrange.workspace('member', 'member', 'member');
    const [ada, bob, leaver] = ws.others as [string, string, string];
    const project = await moduleRef
      .get(ProjectsService)
      .create(ws.id, actor(ws.owner, 'owner'), { name: 'Digest', key: 'DIG' });
    const tasks = moduleRef.get(TasksService);
    const task = async (title: string, assigneeId: string, dueAt: Date) =>
      tasks.create(ws.id, actor(ws.owner, 'owner'), { projectId: project.id, title, assigneeId, dueAt });
    await task('Due soon', ada, hours(3));
    await task('Due tonight', ada, hours(20));
    await task('Due later', ada, hours(30));
    await task('Overdue', ada, hours(-2));
    const done = await task('Done already', ada, hours(5));
    await tasks.update(ws.id, done.id, actor(ws.owner, 'owner'), 1, { status: 'canceled' });
    const deleted = await task('Deleted', ada, hours(6));
    await tasks.delete(ws.id, deleted.id, actor(ws.owner, 'owner'), 1);
    await task('Bob’s', bob, hours(1));
    await task('Left behind', leaver, hours(2));
    // Removed the way the product removes members: every instance's remembered roles are dropped.
    await moduleRef.get(MembersService).remove(ws.id, actor(ws.owner, 'owner'), leaver);

    const first = await digest.send(now);

    expect(first).toEqual({ day: '2091-03-14', recipients: 2, sent: 2, alreadySent: 0, failed: 0 });
    const users = await prisma.user.findMany({ where: { id: { in: [ada, bob] } } });
    const emailOf = (id: string) => users.find((u) => u.id === id)!.email;
    recipients.push(...users.map((u) => u.email));
    const toAda = transport.accepted.find((m) => m.to === emailOf(ada));
    expect(toAda?.subject).toBe('Your tasks due soon (2091-03-14)');
    expect(toAda?.text).toContain('DIG-1 Due soon');
    expect(toAda?.text).toContain('DIG-2 Due tonight');
    expect(toAda?.text).not.toMatch(/Due later|Overdue|Done already|Deleted/);
    expect(transport.accepted.map((m) => m.to).sort()).toEqual([emailOf(ada), emailOf(bob)].sort());

    const again = await digest.send(new Date(now.getTime() + 3_600_000));

    expect(again).toMatchObject({ recipients: 2, sent: 0, alreadySent: 2 });
    expect(transport.accepted).toHaveLength(2);
  });
});
