import { IsUUID } from 'class-validator';

/**
 * Payload schemas of the event catalogue: class-validator classes, checked at publish time.
 * Payloads name things by id; consumers read what they need. Never a secret in a payload.
 */
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
