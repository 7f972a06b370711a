import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Test, type TestingModule } from '@nestjs/testing';
import {
  AppConfig,
  DatabaseModule,
  MetricsModule,
  newId,
  PlatformConfigModule,
  PrismaService,
  RedisModule,
} from '@groundwork/platform';
import {
  MailDeliveryError,
  MailerService,
  MailTransport,
  NotificationsModule,
  SAMPLE_DATA,
  TemplateRenderer,
  type OutgoingMail,
  type SentMail,
  type TemplateData,
} from '@groundwork/notifications';

/** A fake SMTP server in memory: records what it accepts, fails the sends it is told to fail. */
class RecordingMailTransport extends MailTransport {
  readonly kind = 'smtp' as const;
  readonly accepted: OutgoingMail[] = [];
  attempts = 0;
  private readonly failures: MailDeliveryError[] = [];

  failNextWith(error: MailDeliveryError): void {
    this.failures.push(error);
  }

  reset(): void {
    this.accepted.length = 0;
    this.failures.length = 0;
    this.attempts = 0;
  }

  async send(mail: OutgoingMail): Promise<SentMail> {
    this.attempts += 1;
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.accepted.push(mail);
    return { messageId: mail.messageId, response: '250 2.0.0 Ok: queued' };
  }

  async close(): Promise<void> {}
}

const VERIFICATION = SAMPLE_DATA['email-verification'];

describe('MailerService with a recording transport on PostgreSQL', () => {
  let moduleRef: TestingModule;
  let prisma: PrismaService;
  let mailer: MailerService;
  let from: string;
  const transport = new RecordingMailTransport();
  const eventIds: string[] = [];

  function eventId(): string {
    const id = newId();
    eventIds.push(id);
    return id;
  }

  function recipient(): string {
    return `mail-${randomUUID()}@example.com`;
  }

  beforeAll(async () => {
    moduleRef = await Test.createTestingModule({
      imports: [
        PlatformConfigModule.forRoot('worker'),
        DatabaseModule,
        RedisModule,
        MetricsModule,
        NotificationsModule,
      ],
    })
      .overrideProvider(MailTransport)
      .useValue(transport)
      .compile();
    await moduleRef.init();
    prisma = moduleRef.get(PrismaService);
    mailer = moduleRef.get(MailerService);
    from = moduleRef.get(AppConfig).mail.from;
  });

  beforeEach(() => {
    transport.reset();
  });

  afterAll(async () => {
    await prisma.sentEmail.deleteMany({ where: { eventId: { in: eventIds } } });
    await moduleRef.close();
  });

  it('sends the rendered mail once and records a SentEmail row with its Message-ID', async () => {
    const request = {
      eventId: eventId(),
      to: recipient(),
      template: 'email-verification' as const,
      data: VERIFICATION,
    };

    const outcome = await mailer.sendOnce(request);

    expect(outcome).toBe('sent');
    const rendered = new TemplateRenderer().render('email-verification', VERIFICATION);
    const messageId = mailer.messageIdFor(request.eventId, request.to, request.template);
    expect(transport.accepted).toEqual([{ from, to: request.to, messageId, ...rendered }]);
    const rows = await prisma.sentEmail.findMany({ where: { eventId: request.eventId } });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ recipient: request.to, template: 'email-verification', messageId });
  });

  it('answers already-sent to a second sendOnce for the same event, recipient and template without calling the transport', async () => {
    const request = {
      eventId: eventId(),
      to: recipient(),
      template: 'email-verification' as const,
      data: VERIFICATION,
    };
    await mailer.sendOnce(request);
    transport.reset();

    const outcome = await mailer.sendOnce(request);

    expect(outcome).toBe('already-sent');
    expect(transport.attempts).toBe(0);
    await expect(prisma.sentEmail.count({ where: { eventId: request.eventId } })).resolves.toBe(1);
  });

  it('sends again for the same event when the recipient or the template differs', async () => {
    const id = eventId();
    const to = recipient();
    await mailer.sendOnce({ eventId: id, to, template: 'email-verification', data: VERIFICATION });

    const otherRecipient = await mailer.sendOnce({
      eventId: id,
      to: recipient(),
      template: 'email-verification',
      data: VERIFICATION,
    });
    const otherTemplate = await mailer.sendOnce({
      eventId: id,
      to,
      template: 'account-exists',
      data: SAMPLE_DATA['account-exists'],
    });

    expect([otherRecipient, otherTemplate]).toEqual(['sent', 'sent']);
    expect(transport.accepted).toHaveLength(3);
    await expect(prisma.sentEmail.count({ where: { eventId: id } })).resolves.toBe(3);
  });

  it('derives a stable Message-ID in the sender domain from event, recipient and template', () => {
    const id = newId();
    const to = 'ada@example.com';

    const first = mailer.messageIdFor(id, to, 'email-verification');
    const again = mailer.messageIdFor(id, to, 'email-verification');

    expect(first).toMatch(/^<[0-9a-f]{40}@groundwork\.local>$/);
    expect(again).toBe(first);
    expect(mailer.messageIdFor(id, 'grace@example.com', 'email-verification')).not.toBe(first);
    expect(mailer.messageIdFor(id, to, 'account-exists')).not.toBe(first);
    expect(mailer.messageIdFor(newId(), to, 'email-verification')).not.toBe(first);
  });

  it('records nothing when the transport fails, so a retry sends the mail with the same Message-ID', async () => {
    const request = {
      eventId: eventId(),
      to: recipient(),
      template: 'email-verification' as const,
      data: VERIFICATION,
    };
    transport.failNextWith(new MailDeliveryError('SMTP send failed: 451 try again later', false, 451));

    const failed = mailer.sendOnce(request);

    await expect(failed).rejects.toBeInstanceOf(MailDeliveryError);
    await expect(prisma.sentEmail.count({ where: { eventId: request.eventId } })).resolves.toBe(0);

    const retried = await mailer.sendOnce(request);

    expect(retried).toBe('sent');
    expect(transport.attempts).toBe(2);
    expect(transport.accepted.map((m) => m.messageId)).toEqual([
      mailer.messageIdFor(request.eventId, request.to, request.template),
    ]);
    await expect(prisma.sentEmail.count({ where: { eventId: request.eventId } })).resolves.toBe(1);
  });

  it('fails before the transport when the data lacks a template variable, recording nothing', async () => {
    const { verifyUrl: _verifyUrl, ...incomplete } = VERIFICATION;
    const request = {
      eventId: eventId(),
      to: recipient(),
      template: 'email-verification' as const,
      data: incomplete as unknown as TemplateData['email-verification'],
    };

    await expect(mailer.sendOnce(request)).rejects.toThrow(/verifyUrl/);

    expect(transport.attempts).toBe(0);
    await expect(prisma.sentEmail.count({ where: { eventId: request.eventId } })).resolves.toBe(0);
  });

  it('records one row when two attempts of one mail race, both carrying the same Message-ID', async () => {
    const request = {
      eventId: eventId(),
      to: recipient(),
      template: 'email-verification' as const,
      data: VERIFICATION,
    };

    const outcomes = await Promise.all([mailer.sendOnce(request), mailer.sendOnce(request)]);

    expect(outcomes).toContain('sent');
    await expect(prisma.sentEmail.count({ where: { eventId: request.eventId } })).resolves.toBe(1);
    expect(new Set(transport.accepted.map((m) => m.messageId)).size).toBe(1);
  });
});
