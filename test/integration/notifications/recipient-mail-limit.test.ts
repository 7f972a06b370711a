import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Test, type TestingModule } from '@nestjs/testing';
import {
  DatabaseModule,
  loadAppConfig,
  MetricsModule,
  newId,
  PlatformConfigModule,
  RedisModule,
  RedisService,
} from '@groundwork/platform';
import { MailerService, NotificationsModule, SAMPLE_DATA } from '@groundwork/notifications';
import { SmtpTestServer } from '../../support/smtp-test-server.js';

/**
 * The mails anyone can cause for an address they do not own (verification, reset, "account
 * exists" notice) are limited per recipient and kind, through the real SMTP transport.
 */
describe('per-recipient mail limit (real SMTP server on 127.0.0.1)', () => {
  let moduleRef: TestingModule;
  let mailer: MailerService;
  let smtp: SmtpTestServer;

  beforeAll(async () => {
    smtp = await SmtpTestServer.start();
    const config = loadAppConfig('worker', { ...process.env, SMTP_URL: smtp.url, LOG_LEVEL: 'error' });
    moduleRef = await Test.createTestingModule({
      imports: [
        PlatformConfigModule.forRoot('worker', config),
        DatabaseModule,
        RedisModule,
        MetricsModule,
        NotificationsModule,
      ],
    }).compile();
    await moduleRef.init();
    mailer = moduleRef.get(MailerService);
    // Counted in Redis from the first mail on (before it is ready, counts are per process).
    const redis = moduleRef.get(RedisService);
    if (redis.client.status !== 'ready') await once(redis.client, 'ready');
  });

  afterAll(async () => {
    await moduleRef?.close();
    await smtp?.close();
  });

  const reset = (to: string) =>
    mailer.sendOnce({ eventId: newId(), to, template: 'password-reset', data: SAMPLE_DATA['password-reset'] });

  it('sends at most 3 mails of one kind to one recipient in an hour; the 4th is not sent', async () => {
    const to = `limited-${randomUUID()}@example.com`;

    const outcomes = [await reset(to), await reset(to), await reset(to), await reset(to), await reset(to)];

    expect(outcomes).toEqual(['sent', 'sent', 'sent', 'limited', 'limited']);
    expect(smtp.received(to)).toBe(3);
  });

  it('counts each kind and each recipient on its own', async () => {
    const to = `kinds-${randomUUID()}@example.com`;
    const other = `other-${randomUUID()}@example.com`;
    for (let i = 0; i < 3; i += 1) await reset(to);

    const verification = await mailer.sendOnce({
      eventId: newId(),
      to,
      template: 'email-verification',
      data: SAMPLE_DATA['email-verification'],
    });

    expect(verification).toBe('sent');
    expect(await reset(other)).toBe('sent');
    expect(smtp.received(to)).toBe(4);
  });

  it('counts the recipient however the address is capitalised', async () => {
    const local = `case-${randomUUID()}`;
    for (const to of [`${local}@example.com`, `${local.toUpperCase()}@Example.com`, `${local}@EXAMPLE.COM`]) {
      expect(await reset(to)).toBe('sent');
    }

    expect(await reset(`${local}@example.com`)).toBe('limited');
  });
});
