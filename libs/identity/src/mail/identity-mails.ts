import { Injectable } from '@nestjs/common';
import type { EventMailPlanner, PlannedMail } from '@groundwork/notifications';
import { AppConfig, type EventEnvelopeOf } from '@groundwork/platform';
import { IDENTITY_MAILED_EVENTS } from '../events/identity-events.js';
import { PASSWORD_RESET_TOKEN_TTL_MS, PasswordResetService } from '../password-reset/password-reset.service.js';
import { UsersService } from '../users/users.service.js';
import { EmailVerificationService, VERIFICATION_TOKEN_TTL_MS } from '../verification/email-verification.service.js';

type IdentityMailedEvent = (typeof IDENTITY_MAILED_EVENTS)[number];

/** Who gets which mail for the identity events: always the account's owner, at its address. */
@Injectable()
export class IdentityMails implements EventMailPlanner<IdentityMailedEvent> {
  readonly events = IDENTITY_MAILED_EVENTS;

  constructor(
    private readonly users: UsersService,
    private readonly verification: EmailVerificationService,
    private readonly passwordReset: PasswordResetService,
    private readonly config: AppConfig,
  ) {}

  async plan(event: EventEnvelopeOf<IdentityMailedEvent>): Promise<PlannedMail[]> {
    const user = await this.users.findById(event.data.userId);
    if (!user) return [];
    const web = this.config.mail.appWebUrl;
    switch (event.type) {
      case 'user.registered':
        if (user.emailVerified) return [];
        return [
          {
            to: user.email,
            template: 'email-verification',
            // The token is created here, in the consumer, and only its hash is stored: it exists
            // in clear only in the mail (never in the event, the job data or the database).
            compose: async () => {
              const token = await this.verification.issueToken(user.id, event.id);
              return {
                name: user.name,
                verifyUrl: `${web}/verify-email?token=${encodeURIComponent(token)}`,
                expiresInHours: VERIFICATION_TOKEN_TTL_MS / 3_600_000,
              };
            },
          },
        ];
      case 'user.registration_repeated':
        return [
          {
            to: user.email,
            template: 'account-exists',
            compose: async () => ({ name: user.name, loginUrl: `${web}/login`, resetUrl: `${web}/forgot-password` }),
          },
        ];
      case 'user.password_reset_requested':
        return [
          {
            to: user.email,
            template: 'password-reset',
            // As with verification: the token is born here and only its hash is stored.
            compose: async () => {
              const token = await this.passwordReset.issueToken(user.id, event.id);
              return {
                name: user.name,
                resetUrl: `${web}/reset-password?token=${encodeURIComponent(token)}`,
                expiresInMinutes: PASSWORD_RESET_TOKEN_TTL_MS / 60_000,
              };
            },
          },
        ];
      default: {
        const unhandled: never = event;
        throw new Error(`no identity mail for ${(unhandled as { type: string }).type}`);
      }
    }
  }
}
