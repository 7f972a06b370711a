import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import {
  FileMailTransport,
  MailDeliveryError,
  SmtpMailTransport,
  TemplateRenderer,
  SAMPLE_DATA,
  type OutgoingMail,
} from '@groundwork/notifications';

function sampleMail(): OutgoingMail {
  const rendered = new TemplateRenderer().render('email-verification', {
    ...SAMPLE_DATA['email-verification'],
    name: 'Zoë “Ada” Ł',
  });
  return {
    from: 'Groundwork <no-reply@groundwork.local>',
    to: 'ada@example.com',
    messageId: '<0123456789abcdef@groundwork.local>',
    ...rendered,
  };
}

describe('FileMailTransport', () => {
  let directory: string;

  beforeEach(async () => {
    directory = await mkdtemp(path.join(tmpdir(), 'gw-mail-'));
  });

  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('writes one parseable .eml that keeps subject, text, HTML and Message-ID', async () => {
    const transport = new FileMailTransport(path.join(directory, 'outbox'));
    const mail = sampleMail();

    const sent = await transport.send(mail);

    const files = await readdir(path.join(directory, 'outbox'));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/\.eml$/);
    const parsed = await simpleParser(await readFile(path.join(directory, 'outbox', files[0] ?? '')));
    expect(parsed.subject).toBe(mail.subject);
    expect(parsed.text?.trimEnd()).toBe(mail.text.trimEnd());
    expect(parsed.html).toBe(mail.html);
    expect(parsed.messageId).toBe(mail.messageId);
    expect(parsed.from?.value).toEqual([{ address: 'no-reply@groundwork.local', name: 'Groundwork' }]);
    expect(sent.messageId).toBe(mail.messageId);
    expect(sent.response).toContain(directory);
    await transport.close();
  });
});

/** A real SMTP server on 127.0.0.1 that answers RCPT TO with the given reply code (250 = accept). */
async function startSmtpServer(
  rcptReply: number,
): Promise<{ url: string; received: string[]; stop: () => Promise<void> }> {
  const received: string[] = [];
  const options: SMTPServerOptions = {
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(_address, _session, callback) {
      if (rcptReply === 250) return callback();
      callback(Object.assign(new Error(`${rcptReply} mailbox unavailable`), { responseCode: rcptReply }));
    },
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received.push(Buffer.concat(chunks).toString('utf8'));
        callback();
      });
    },
  };
  const server = new SMTPServer(options);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('SmtpMailTransport against a real SMTP server', () => {
  let stopServer: (() => Promise<void>) | undefined;
  let transport: SmtpMailTransport | undefined;

  afterEach(async () => {
    await transport?.close();
    await stopServer?.();
    transport = undefined;
    stopServer = undefined;
  });

  async function transportAnswering(rcptReply: number): Promise<{ smtp: SmtpMailTransport; received: string[] }> {
    const server = await startSmtpServer(rcptReply);
    stopServer = server.stop;
    const smtp = new SmtpMailTransport(server.url);
    transport = smtp;
    return { smtp, received: server.received };
  }

  /** The rejection of a send, which must be a MailDeliveryError. */
  async function deliveryError(send: Promise<unknown>): Promise<MailDeliveryError> {
    const error = await send.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MailDeliveryError);
    return error as MailDeliveryError;
  }

  it('delivers a mail the server accepts, with its Message-ID, and returns the 250 reply', async () => {
    const { smtp, received } = await transportAnswering(250);
    const mail = sampleMail();

    const sent = await smtp.send(mail);

    expect(sent.response).toMatch(/^250 /);
    expect(sent.messageId).toBe(mail.messageId);
    expect(received).toHaveLength(1);
    const parsed = await simpleParser(received[0] ?? '');
    expect(parsed.messageId).toBe(mail.messageId);
    expect(parsed.subject).toBe(mail.subject);
    expect(parsed.html).toBe(mail.html);
  });

  it('classifies a 550 answer to RCPT as a permanent MailDeliveryError with response code 550', async () => {
    const { smtp, received } = await transportAnswering(550);

    const error = await deliveryError(smtp.send(sampleMail()));

    expect(error.permanent).toBe(true);
    expect(error.responseCode).toBe(550);
    expect(received).toEqual([]);
  });

  it('classifies a 451 answer to RCPT as a temporary MailDeliveryError with response code 451', async () => {
    const { smtp } = await transportAnswering(451);

    const error = await deliveryError(smtp.send(sampleMail()));

    expect(error.permanent).toBe(false);
    expect(error.responseCode).toBe(451);
  });

  it('with TLS required, refuses for good to send over a connection the server offers no STARTTLS on, sending nothing', async () => {
    const server = await startSmtpServer(250);
    stopServer = server.stop;
    transport = new SmtpMailTransport(server.url, { requireTls: true });

    const error = await deliveryError(transport.send(sampleMail()));

    expect(error.permanent).toBe(true);
    expect(error.message).toMatch(/SMTP_REQUIRE_TLS/);
    expect(server.received).toEqual([]);
  });

  it('classifies a refused connection as a temporary MailDeliveryError without response code', async () => {
    const server = await startSmtpServer(250);
    await server.stop();
    transport = new SmtpMailTransport(server.url);

    const error = await deliveryError(transport.send(sampleMail()));

    expect(error.permanent).toBe(false);
    expect(error.responseCode).toBeUndefined();
  });
});
