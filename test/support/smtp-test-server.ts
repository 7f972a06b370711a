import type { AddressInfo } from 'node:net';
import { type AddressObject, simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';

/** A message the server accepted (answered 250 to), as parsed by mailparser. */
export interface ReceivedMail {
  /** The address of the `From:` header. */
  from: string;
  /** The display name of the `From:` header (`''` when it has none). */
  fromName: string;
  /** The envelope sender (MAIL FROM). */
  envelopeFrom: string;
  /** The envelope recipients (RCPT TO), as the client gave them. */
  to: string[];
  /** The `To:` header addresses. */
  headerTo: string[];
  subject: string;
  text: string;
  /** The HTML part, or `false` when the message has none. */
  html: string | false;
  messageId: string;
  /** The message exactly as it came over the wire (after the SMTP dot-unstuffing). */
  raw: string;
  receivedAt: number;
}

/** Where in an SMTP transaction a scripted refusal is answered. */
export type SmtpStage = 'rcpt' | 'data';

/** A refusal the server gives instead of accepting, e.g. `{ stage: 'data', code: 451 }`. */
export interface ScriptedRefusal {
  stage: SmtpStage;
  /** The SMTP reply code: 4xx is a temporary failure, 5xx a permanent one. */
  code: number;
  message?: string;
}

/**
 * Decides how the server answers one attempt (one RCPT TO) for a recipient: the attempt number
 * starts at 1; `undefined` accepts.
 */
export type AttemptScript = (attempt: number) => ScriptedRefusal | undefined;

/** A refusal the server answered, as a test may want to inspect it. */
export interface Refusal extends ScriptedRefusal {
  recipient: string;
  attempt: number;
  at: number;
}

interface Waiter {
  ready: () => boolean;
  resolve: () => void;
  reject: (error: Error) => void;
}

const DEFAULT_MESSAGES: Record<SmtpStage, Record<'4' | '5', string>> = {
  rcpt: { '4': 'Mailbox temporarily unavailable', '5': 'Mailbox unavailable' },
  data: { '4': 'Temporary local problem, try again later', '5': 'Message rejected' },
};

function key(address: string): string {
  return address.trim().toLowerCase();
}

function addresses(value: AddressObject | AddressObject[] | undefined): string[] {
  const objects = value === undefined ? [] : Array.isArray(value) ? value : [value];
  return objects.flatMap((object) => object.value.map((entry) => entry.address ?? '')).filter((a) => a !== '');
}

function smtpError(refusal: ScriptedRefusal): Error {
  const message = refusal.message ?? DEFAULT_MESSAGES[refusal.stage][refusal.code >= 500 ? '5' : '4'];
  // smtp-server answers with the error's `responseCode` (otherwise a 450).
  return Object.assign(new Error(message), { responseCode: refusal.code });
}

/**
 * A real SMTP server for tests (the `smtp-server` package on 127.0.0.1, a free port, no TLS, no
 * authentication required) that records every accepted message, parsed, and can be scripted to
 * refuse chosen attempts per recipient — at RCPT TO or at the end of DATA, with any 4xx/5xx.
 *
 * Recipients are compared case-insensitively. An attempt is one RCPT TO of a recipient. Every
 * `waitFor…` resolves as soon as the SMTP traffic makes its condition true (no polling).
 */
export class SmtpTestServer {
  /** Every accepted message, in arrival order. */
  readonly messages: ReceivedMail[] = [];
  /** Every scripted refusal the server answered, in order. */
  readonly refusals: Refusal[] = [];
  private readonly attemptCounts = new Map<string, number>();
  private readonly receivedCounts = new Map<string, number>();
  private readonly scripts = new Map<string, AttemptScript>();
  /** Per SMTP session: the attempt number of each recipient of its current transaction. */
  private readonly transactions = new Map<string, Map<string, number>>();
  private readonly waiters = new Set<Waiter>();
  /** Connection errors (e.g. a client killed mid-transaction): recorded, never thrown. */
  readonly connectionErrors: Error[] = [];

  private readonly server: SMTPServer;
  private listeningPort = 0;

  private constructor() {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      banner: 'groundwork test smtp',
      // close() waits this long for pooled client connections before cutting them.
      closeTimeout: 1000,
      onRcptTo: (address, session, callback) => this.onRcptTo(address.address, session, callback),
      onData: (stream, session, callback) => this.onData(stream, session, callback),
      onClose: (session) => this.transactions.delete(session.id),
    });
    this.server.on('error', (error: Error) => this.connectionErrors.push(error));
  }

  static async start(): Promise<SmtpTestServer> {
    const instance = new SmtpTestServer();
    const { server } = instance.server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      instance.server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    instance.listeningPort = (server.address() as AddressInfo).port;
    return instance;
  }

  /** The port it listens on (127.0.0.1). */
  get port(): number {
    return this.listeningPort;
  }

  /** `smtp://127.0.0.1:<port>`, for `SMTP_URL`. */
  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** Scripts the answers to a recipient's attempts (replacing any earlier script); see `AttemptScript`. */
  script(recipient: string, script: AttemptScript): void {
    this.scripts.set(key(recipient), script);
  }

  /** Refuses only the first attempt for the recipient, then accepts. */
  refuseFirstAttempt(recipient: string, refusal: ScriptedRefusal): void {
    this.script(recipient, (attempt) => (attempt === 1 ? refusal : undefined));
  }

  /** Refuses every attempt for the recipient until `accept` is called. */
  refuseAlways(recipient: string, refusal: ScriptedRefusal): void {
    this.script(recipient, () => refusal);
  }

  /** Accepts the recipient's next attempts (removes its script). */
  accept(recipient: string): void {
    this.scripts.delete(key(recipient));
  }

  /** How many attempts (RCPT TO) the server has seen for the recipient. */
  attempts(recipient: string): number {
    return this.attemptCounts.get(key(recipient)) ?? 0;
  }

  /** How many messages the server has accepted for the recipient. */
  received(recipient: string): number {
    return this.receivedCounts.get(key(recipient)) ?? 0;
  }

  /** The accepted messages for the recipient (envelope), in arrival order. */
  messagesTo(recipient: string): ReceivedMail[] {
    const wanted = key(recipient);
    return this.messages.filter((mail) => mail.to.some((to) => key(to) === wanted));
  }

  /**
   * Resolves once `condition` holds, re-checked on every SMTP event (attempt, refusal, accepted
   * message); rejects after `timeoutMs` with `describe()` of what was received.
   */
  waitFor(condition: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        ready: condition,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`SMTP test server: ${what} not met within ${timeoutMs} ms; ${this.describe()}`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** Resolves with the accepted messages once there are at least `count` of them. */
  async waitForMessages(count: number, timeoutMs = 10_000): Promise<ReceivedMail[]> {
    await this.waitFor(() => this.messages.length >= count, timeoutMs, `${count} message(s)`);
    return [...this.messages];
  }

  /** Resolves with the recipient's messages once there are at least `count` of them. */
  async waitForMessagesTo(recipient: string, count = 1, timeoutMs = 10_000): Promise<ReceivedMail[]> {
    await this.waitFor(() => this.received(recipient) >= count, timeoutMs, `${count} message(s) to ${recipient}`);
    return this.messagesTo(recipient);
  }

  /**
   * Resolves with the recipient's first message whose subject matches — for tests where other
   * mail to the same person (a sign-up confirmation, say) may arrive in any order.
   */
  async waitForMessageTo(recipient: string, subject: string | RegExp, timeoutMs = 10_000): Promise<ReceivedMail> {
    const matches = (mail: ReceivedMail): boolean =>
      typeof subject === 'string' ? mail.subject === subject : subject.test(mail.subject);
    const find = (): ReceivedMail | undefined => this.messagesTo(recipient).find(matches);
    await this.waitFor(
      () => find() !== undefined,
      timeoutMs,
      `a message to ${recipient} with subject ${String(subject)}`,
    );
    return find()!;
  }

  /** Resolves once the server has seen at least `count` attempts for the recipient. */
  waitForAttempts(recipient: string, count: number, timeoutMs = 10_000): Promise<void> {
    return this.waitFor(() => this.attempts(recipient) >= count, timeoutMs, `${count} attempt(s) for ${recipient}`);
  }

  /** A short summary for failure messages. */
  describe(): string {
    const attempts = [...this.attemptCounts].map(([rcpt, n]) => `${rcpt}×${n}`).join(', ');
    return `${this.messages.length} message(s) accepted, ${this.refusals.length} refusal(s), attempts: ${attempts || 'none'}`;
  }

  /** Stops listening; open client connections are cut after a short grace period. */
  async close(): Promise<void> {
    for (const waiter of this.waiters) waiter.reject(new Error(`SMTP test server closed; ${this.describe()}`));
    this.waiters.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private notify(): void {
    for (const waiter of this.waiters) {
      if (!waiter.ready()) continue;
      this.waiters.delete(waiter);
      waiter.resolve();
    }
  }

  private transaction(session: SMTPServerSession): Map<string, number> {
    let recipients = this.transactions.get(session.id);
    // A new MAIL FROM starts a new transaction: its envelope has no recipient accepted yet.
    if (!recipients || session.envelope.rcptTo.length === 0) {
      recipients = new Map();
      this.transactions.set(session.id, recipients);
    }
    return recipients;
  }

  private refuse(recipient: string, attempt: number, refusal: ScriptedRefusal): Error {
    this.refusals.push({ ...refusal, recipient, attempt, at: Date.now() });
    return smtpError(refusal);
  }

  private onRcptTo(address: string, session: SMTPServerSession, callback: (err?: Error | null) => void): void {
    const recipient = key(address);
    const attempt = (this.attemptCounts.get(recipient) ?? 0) + 1;
    this.attemptCounts.set(recipient, attempt);
    const refusal = this.scripts.get(recipient)?.(attempt);
    if (refusal?.stage === 'rcpt') {
      callback(this.refuse(recipient, attempt, refusal));
    } else {
      this.transaction(session).set(recipient, attempt);
      callback();
    }
    this.notify();
  }

  private onData(
    stream: SMTPServerDataStream,
    session: SMTPServerSession,
    callback: (err?: Error | null, message?: string) => void,
  ): void {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.once('end', () => {
      const recipients = this.transactions.get(session.id) ?? new Map<string, number>();
      this.transactions.delete(session.id);
      for (const [recipient, attempt] of recipients) {
        const refusal = this.scripts.get(recipient)?.(attempt);
        if (refusal?.stage === 'data') {
          callback(this.refuse(recipient, attempt, refusal));
          this.notify();
          return;
        }
      }
      const raw = Buffer.concat(chunks);
      simpleParser(raw)
        .then((parsed) => {
          const mail: ReceivedMail = {
            from: parsed.from?.value[0]?.address ?? '',
            fromName: parsed.from?.value[0]?.name ?? '',
            envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
            headerTo: addresses(parsed.to),
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            html: parsed.html ?? false,
            messageId: parsed.messageId ?? '',
            raw: raw.toString('utf8'),
            receivedAt: Date.now(),
          };
          // Recorded before the 250 goes out: what the client was told was accepted is here.
          this.messages.push(mail);
          for (const to of new Set(mail.to.map(key))) this.receivedCounts.set(to, this.received(to) + 1);
          callback(null, `2.0.0 queued as ${this.messages.length}`);
          this.notify();
        })
        .catch((error: unknown) => {
          callback(Object.assign(new Error(`cannot parse the message: ${String(error)}`), { responseCode: 554 }));
          this.notify();
        });
    });
  }
}
