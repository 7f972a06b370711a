import { IsUUID } from 'class-validator';
import { defineEvent, defineEvents, registerEventConsumer } from '@groundwork/platform';

// Payload schemas: class-validator classes, checked at publish time. Payloads name things by
// id; consumers read what they need. Never a secret in a payload.

export class UserRegisteredPayload {
  @IsUUID()
  userId!: string;
}

/** Someone tried to register an email that already has an account (it gets a notice mail). */
export class UserRegistrationRepeatedPayload {
  @IsUUID()
  userId!: string;
}

export class UserEmailVerifiedPayload {
  @IsUUID()
  userId!: string;
}

/** Someone asked for a password reset of an existing account (the mail consumer creates the token). */
export class UserPasswordResetRequestedPayload {
  @IsUUID()
  userId!: string;
}

/** An account was deleted: its personal data is already erased; consumers drop what they keep. */
export class UserDeletedPayload {
  @IsUUID()
  userId!: string;
}

/** The identity context's events (registered when the library loads). */
export const IDENTITY_EVENTS = defineEvents({
  'user.registered': defineEvent('internal', UserRegisteredPayload),
  'user.registration_repeated': defineEvent('internal', UserRegistrationRepeatedPayload),
  'user.email_verified': defineEvent('internal', UserEmailVerifiedPayload),
  'user.password_reset_requested': defineEvent('internal', UserPasswordResetRequestedPayload),
  'user.deleted': defineEvent('internal', UserDeletedPayload),
});

type IdentityEvents = typeof IDENTITY_EVENTS;

declare module '@groundwork/platform' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- declaration merging
  interface EventCatalogue extends IdentityEvents {}
}

/** The identity events that mail someone (verification, account notice, password reset). */
export const IDENTITY_MAILED_EVENTS = [
  'user.registered',
  'user.registration_repeated',
  'user.password_reset_requested',
] as const satisfies readonly (keyof IdentityEvents)[];

registerEventConsumer('email', IDENTITY_MAILED_EVENTS);
