import { Transform } from 'class-transformer';
import { IsInt, IsString, MaxLength, Min } from 'class-validator';
import { defineConfig, envInt } from '@groundwork/platform';

/** The identity context's platform-administrator variable, with its development default. */
export class IdentityEnvironment {
  /** Comma-separated emails of platform administrators (feature flags, the admin audit log); verified accounts only. */
  @IsString()
  @MaxLength(100_000)
  PLATFORM_ADMIN_EMAILS = '';
}

/** Platform administrators: emails as given (compared after normalisation by identity). */
export interface PlatformAdminsConfig {
  emails: string[];
}

/** `config.platformAdmins` (registered when the library loads). */
export const PLATFORM_ADMINS_CONFIG = defineConfig({
  key: 'platformAdmins',
  environment: IdentityEnvironment,
  build: (env): PlatformAdminsConfig => ({
    emails: env.PLATFORM_ADMIN_EMAILS.split(',')
      .map((email) => email.trim())
      .filter(Boolean),
  }),
});

declare module '@groundwork/platform' {
  interface AppConfig {
    readonly platformAdmins: PlatformAdminsConfig;
  }
}

/** The identity context's password-hashing variable, with its development default. */
export class PasswordsEnvironment {
  /** argon2id hashes running at once per process; more wait up to 2 s, then 503. */
  @Transform(envInt)
  @IsInt()
  @Min(1)
  PASSWORD_HASH_CONCURRENCY = 4;
}

export interface PasswordsConfig {
  hashConcurrency: number;
}

/** `config.passwords` (registered when the library loads). */
export const PASSWORDS_CONFIG = defineConfig({
  key: 'passwords',
  environment: PasswordsEnvironment,
  build: (env): PasswordsConfig => ({ hashConcurrency: env.PASSWORD_HASH_CONCURRENCY }),
});

declare module '@groundwork/platform' {
  interface AppConfig {
    readonly passwords: PasswordsConfig;
  }
}
