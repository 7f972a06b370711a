import { Injectable, Logger } from '@nestjs/common';
import { DomainError, newId, OutboxService, PrismaService } from '@groundwork/platform';
import { PasswordHasher } from '../passwords/password-hasher.js';
import { assertAcceptablePassword } from '../passwords/password-policy.js';
import { normalizeEmail } from '../users/normalize-email.js';

export interface RegistrationRequest {
  email: string;
  password: string;
  name: string;
}

function assertAcceptableProfile({ email, name }: RegistrationRequest): void {
  const errors = [];
  if (email.trim().length === 0 || email.length > 254 || !email.includes('@')) {
    errors.push({ field: 'email', message: 'email must be an email address of at most 254 characters' });
  }
  if (name.trim().length === 0 || name.length > 100) {
    errors.push({ field: 'name', message: 'name must be between 1 and 100 characters' });
  }
  if (errors.length > 0) throw new DomainError('validation_failed', 'The request has invalid fields.', { errors });
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Error && (error as { code?: string }).code === 'P2002';
}

/**
 * Sign-up without enumeration: a new email gets an account and a verification mail, an
 * existing one gets an "account exists" notice; the caller sees the same answer either way,
 * after the same work (one argon2id hash, one transaction with one outbox event).
 */
@Injectable()
export class RegistrationService {
  private readonly logger = new Logger(RegistrationService.name);

  constructor(
    private readonly prisma: PrismaService,
    private readonly outbox: OutboxService,
    private readonly hasher: PasswordHasher,
  ) {}

  async register(request: RegistrationRequest): Promise<void> {
    // Everything is checked before the (deliberately expensive) hash.
    assertAcceptableProfile(request);
    assertAcceptablePassword(request.password);
    const email = normalizeEmail(request.email);
    const passwordHash = await this.hasher.hash(request.password);
    try {
      await this.prisma.$transaction(async (tx) => {
        const existing = await tx.user.findUnique({ where: { email }, select: { id: true } });
        if (existing) {
          await this.outbox.publish(tx, { type: 'user.registration_repeated', data: { userId: existing.id } });
          return;
        }
        const id = newId();
        await tx.user.create({ data: { id, email, name: request.name.trim(), passwordHash } });
        await this.outbox.publish(tx, { type: 'user.registered', data: { userId: id }, actorId: id });
      });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      // A concurrent registration of the same email won the insert: this one is a repeat.
      this.logger.log('concurrent registration of one email; sending the notice instead');
      await this.prisma.$transaction(async (tx) => {
        const winner = await tx.user.findUniqueOrThrow({ where: { email }, select: { id: true } });
        await this.outbox.publish(tx, { type: 'user.registration_repeated', data: { userId: winner.id } });
      });
    }
  }
}
