import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import {
  AuditTrail,
  BackgroundTasks,
  DomainError,
  LoginAttemptLimiter,
  PrismaService,
  rateLimitAddress,
  RequestContext,
} from '@groundwork/platform';
import { PasswordHasher } from '../passwords/password-hasher.js';
import { normalizeEmail } from '../users/normalize-email.js';
import { type OpenedSession, SessionsService } from '../sessions/sessions.service.js';

export interface PasswordLogin {
  email: string;
  password: string;
  kind: 'bearer' | 'cookie';
}

const invalidCredentials = () => new DomainError('unauthenticated', 'The email or password is incorrect.');

/** The key failed logins are counted under: the same for registered and unknown emails. */
function accountKey(email: string): string {
  return createHash('sha256').update(email).digest('base64url');
}

/**
 * Password login without enumeration: an unknown email spends one argon2id verification like
 * a wrong password does, fails with the same answer, and counts against the same limits.
 */
@Injectable()
export class LoginService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly hasher: PasswordHasher,
    private readonly sessions: SessionsService,
    private readonly limiter: LoginAttemptLimiter,
    private readonly audit: AuditTrail,
    private readonly background: BackgroundTasks,
  ) {}

  async login(request: PasswordLogin): Promise<OpenedSession> {
    const email = normalizeEmail(request.email);
    const attempt = {
      account: accountKey(email),
      ip: rateLimitAddress(RequestContext.current()?.client?.ip ?? 'unknown'),
    };
    // Reserved before anything else: of a burst, only the account's limit gets past this line.
    await this.limiter.reserve(attempt);
    const user = await this.prisma.user.findUnique({
      where: { email },
      select: { id: true, passwordHash: true, emailVerifiedAt: true, deletedAt: true },
    });
    const hash = user && user.deletedAt === null ? user.passwordHash : null;
    const valid =
      hash === null
        ? await this.hasher.verifyAgainstNothing(request.password)
        : await this.hasher.verify(hash, request.password);
    if (!valid || !user) {
      if (user && user.deletedAt === null) {
        // Written after the answer: an unknown email has nothing to record, and the two must
        // take the same time.
        this.background.run('failed-login audit', () =>
          this.audit.record({
            action: 'login.failed',
            userId: user.id,
            actorId: null,
            details: { method: 'password' },
          }),
        );
      }
      throw invalidCredentials();
    }
    await this.limiter.succeeded(attempt);
    // Only someone who knows the password learns that the address still needs verifying.
    if (user.emailVerifiedAt === null) {
      throw new DomainError(
        'forbidden',
        'The email address is not verified yet; follow the link in the verification mail.',
      );
    }
    return this.sessions.open(user.id, { kind: request.kind, method: 'password' });
  }
}
