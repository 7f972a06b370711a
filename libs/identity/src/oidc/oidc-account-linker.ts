import { Injectable, Logger } from '@nestjs/common';
import { AuditTrail, DomainError, newId, PrismaService } from '@groundwork/platform';
import { SessionsService } from '../sessions/sessions.service.js';
import { normalizeEmail } from '../users/normalize-email.js';

/** The verified claims of an ID token (merged with UserInfo), as far as accounts care. */
export interface OidcClaims {
  sub: string;
  email?: unknown;
  email_verified?: unknown;
  name?: unknown;
  given_name?: unknown;
  family_name?: unknown;
  [claim: string]: unknown;
}

export interface LinkedAccount {
  userId: string;
  /** Whether this login created the account. */
  created: boolean;
}

const EMAIL_MAX = 254;
const NAME_MAX = 100;
/** Enough for any number of logins racing for one new account: each retry sees the winner's rows. */
const ATTEMPTS = 3;

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Error && (error as { code?: string }).code === 'P2002';
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim().length > 0 ? value.trim() : undefined;
}

/** The account's display name: the IdP's name, else given + family name, else the email's local part. */
function displayName(claims: OidcClaims, email: string): string {
  const full = text(claims.name) ?? text([text(claims.given_name), text(claims.family_name)].filter(Boolean).join(' '));
  const name = full ?? email.slice(0, email.lastIndexOf('@'));
  return (name || email).slice(0, NAME_MAX);
}

/**
 * Maps an IdP account (provider, `sub`) to a Groundwork user. A known identity signs in as its
 * user. A new one is linked by email, which is only trusted when the IdP asserts it verified
 * (`email_verified: true`): otherwise anyone could register `ada@example.com` at a lax IdP and
 * take over Ada's account. Linking to an account whose address was never verified drops its
 * password and sessions: whoever registered it first never proved they own it. Without such an
 * account, one is created (no password).
 *
 * Concurrent first logins of one person race on the unique email and the (provider, subject)
 * key: the loser's transaction rolls back and its retry finds the winner's rows.
 */
@Injectable()
export class OidcAccountLinker {
  private readonly logger = new Logger(OidcAccountLinker.name);

  constructor(
    private readonly prisma: PrismaService,
    private readonly audit: AuditTrail,
    private readonly sessions: SessionsService,
  ) {}

  async link(provider: string, claims: OidcClaims, now = new Date()): Promise<LinkedAccount> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.tryLink(provider, claims, now);
      } catch (error) {
        if (!isUniqueViolation(error) || attempt >= ATTEMPTS) throw error;
        this.logger.log({ provider, attempt }, 'concurrent first OpenID login; retrying against the winner');
      }
    }
  }

  private async tryLink(provider: string, claims: OidcClaims, now: Date): Promise<LinkedAccount> {
    const known = await this.prisma.oidcIdentity.findUnique({
      where: { provider_subject: { provider, subject: claims.sub } },
      select: { user: { select: { id: true, deletedAt: true } } },
    });
    if (known) {
      if (known.user.deletedAt !== null) throw new DomainError('unauthenticated', 'This account has been deleted.');
      return { userId: known.user.id, created: false };
    }

    const rawEmail = text(claims.email);
    if (claims.email_verified !== true || !rawEmail) {
      throw new DomainError(
        'forbidden',
        'The identity provider did not assert a verified email address, so no account can be linked or created.',
      );
    }
    const email = normalizeEmail(rawEmail);
    if (email.length > EMAIL_MAX || !email.includes('@')) {
      throw new DomainError('forbidden', 'The identity provider asserted an email address this service cannot use.');
    }

    return this.prisma.$transaction(async (tx) => {
      const existing = await tx.user.findUnique({
        where: { email },
        select: { id: true, deletedAt: true, emailVerifiedAt: true },
      });
      if (existing && existing.deletedAt !== null) {
        throw new DomainError('forbidden', 'The account with this email address has been deleted.');
      }
      if (existing) {
        await tx.oidcIdentity.create({ data: { provider, subject: claims.sub, userId: existing.id, email } });
        // The IdP has just proven the person controls the address. An account that never proved
        // it may have been registered by someone else first (pre-hijacking): the password they
        // chose and any session they hold must not survive into the owner's account.
        if (existing.emailVerifiedAt === null) {
          await tx.user.update({ where: { id: existing.id }, data: { emailVerifiedAt: now, passwordHash: null } });
          await this.sessions.revokeAllOfUser(tx, existing.id, 'unverified_account_claimed', now);
        }
        // In the account's security trail: a new way into it was added.
        await this.audit.record(
          { action: 'oidc.linked', userId: existing.id, actorId: existing.id, details: { provider, created: false } },
          tx,
        );
        return { userId: existing.id, created: false };
      }
      const id = newId();
      await tx.user.create({
        data: { id, email, name: displayName(claims, email), passwordHash: null, emailVerifiedAt: now },
      });
      await tx.oidcIdentity.create({ data: { provider, subject: claims.sub, userId: id, email } });
      await this.audit.record(
        { action: 'oidc.linked', userId: id, actorId: id, details: { provider, created: true } },
        tx,
      );
      return { userId: id, created: true };
    });
  }
}
