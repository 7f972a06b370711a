import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Min, MinLength } from 'class-validator';
import { defineConfig, envBool, envInt, URL_OPTS } from '@groundwork/platform';

export const STORAGE_DRIVERS = ['local', 's3'] as const;
export type StorageDriver = (typeof STORAGE_DRIVERS)[number];

/** The files context's variables, with their development defaults. */
export class FilesEnvironment {
  /** Where attachments are kept: `local` (a folder, STORAGE_DIR) or `s3` (any S3-compatible store). */
  @IsIn(STORAGE_DRIVERS)
  STORAGE_DRIVER: StorageDriver = 'local';

  /** The local driver's folder (relative to the working directory unless absolute). */
  @IsString()
  @MinLength(1)
  STORAGE_DIR = 'var/storage';

  /** The S3 driver's endpoint; unset → AWS's own for S3_REGION. */
  @IsOptional()
  @IsUrl({ ...URL_OPTS, protocols: ['http', 'https'] })
  S3_ENDPOINT?: string;

  @IsString()
  @Matches(/^[a-z0-9-]{1,64}$/)
  S3_REGION = 'us-east-1';

  @IsString()
  @Matches(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { message: 'S3_BUCKET must be a valid bucket name' })
  S3_BUCKET = 'groundwork';

  /** Unset (with the secret) → the SDK's default credential chain (environment, instance role). */
  @IsOptional()
  @IsString()
  S3_ACCESS_KEY_ID?: string;

  @IsOptional()
  @IsString()
  S3_SECRET_ACCESS_KEY?: string;

  /** `true` addresses the bucket in the path (`endpoint/bucket/key`), as most S3-compatible stores need. */
  @Transform(envBool)
  @IsBoolean()
  S3_FORCE_PATH_STYLE = false;

  /** The largest attachment uploaded through the api (a file of exactly this size is accepted). */
  @Transform(envInt)
  @IsInt()
  @Min(1)
  ATTACHMENT_MAX_BYTES = 100 * 1024 * 1024;

  /** What one workspace's attachments may take together. */
  @Transform(envInt)
  @IsInt()
  @Min(0)
  WORKSPACE_STORAGE_QUOTA_BYTES = 10 * 1024 * 1024 * 1024;
}

export interface StorageConfig {
  driver: StorageDriver;
  dir: string;
  s3: {
    endpoint: string | undefined;
    region: string;
    bucket: string;
    /** Both set, or undefined: the SDK's default credential chain. */
    credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
    forcePathStyle: boolean;
  };
  attachmentMaxBytes: number;
  workspaceQuotaBytes: number;
}

/** `config.storage` (registered when the library loads). */
export const FILES_CONFIG = defineConfig({
  key: 'storage',
  environment: FilesEnvironment,
  build: (env): StorageConfig => ({
    driver: env.STORAGE_DRIVER,
    dir: env.STORAGE_DIR,
    s3: {
      endpoint: env.S3_ENDPOINT,
      region: env.S3_REGION,
      bucket: env.S3_BUCKET,
      credentials:
        env.S3_ACCESS_KEY_ID && env.S3_SECRET_ACCESS_KEY
          ? { accessKeyId: env.S3_ACCESS_KEY_ID, secretAccessKey: env.S3_SECRET_ACCESS_KEY }
          : undefined,
      forcePathStyle: env.S3_FORCE_PATH_STYLE,
    },
    attachmentMaxBytes: env.ATTACHMENT_MAX_BYTES,
    workspaceQuotaBytes: env.WORKSPACE_STORAGE_QUOTA_BYTES,
  }),
});

declare module '@groundwork/platform' {
  interface AppConfig {
    readonly storage: StorageConfig;
  }
}
