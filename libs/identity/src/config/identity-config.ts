import { IsString, MaxLength } from 'class-validator';
import { defineConfig } from '@groundwork/platform';

/** The identity context's variables, with their development defaults. */
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
