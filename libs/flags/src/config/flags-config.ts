import { Transform } from 'class-transformer';
import { IsInt, Min } from 'class-validator';
import { defineConfig, envInt } from '@groundwork/platform';

/** The flags context's variables, with their development defaults. */
export class FlagsEnvironment {
  /**
   * How often each instance reloads every feature flag from the database, whatever it heard on
   * Redis: heals a change notice lost while its subscriber connection was down.
   */
  @Transform(envInt)
  @IsInt()
  @Min(100)
  FLAGS_REFRESH_INTERVAL_MS = 30000;
}

export interface FlagsConfig {
  refreshIntervalMs: number;
}

/** `config.flags` (registered when the library loads). */
export const FLAGS_CONFIG = defineConfig({
  key: 'flags',
  environment: FlagsEnvironment,
  build: (env): FlagsConfig => ({ refreshIntervalMs: env.FLAGS_REFRESH_INTERVAL_MS }),
});

declare module '@groundwork/platform' {
  interface AppConfig {
    readonly flags: FlagsConfig;
  }
}
