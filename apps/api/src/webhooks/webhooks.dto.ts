import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  IsArray,
  IsBoolean,
  IsOptional,
  IsString,
  MaxLength,
  ValidateIf,
} from 'class-validator';
import type {
  AttemptView,
  CreatedWebhook,
  DeliveryDetail,
  DeliveryStatus,
  DeliveryView,
  WebhookView,
} from '@groundwork/webhooks';
import { publicEventTypes } from '../contexts.js';
import { PageDto } from '../http/page.dto.js';
import { unlessAbsent } from '../http/validation.js';

const EVENT_CHOICES = ['*', ...publicEventTypes()];
const URL_DOCS =
  'Absolute https URL (http only where the operator allows it), without credentials, at most 2,048 characters. ' +
  'Unless the operator allows private networks, it must not point at loopback, private, link-local, multicast or ' +
  'reserved addresses — checked again, on the resolved address, at every delivery.';

export class CreateWebhookDto {
  // Length and shape are the domain's rules (422 with the reason); here only "a string".
  @ApiProperty({ example: 'https://hooks.example.com/groundwork', maxLength: 2048, description: URL_DOCS })
  @IsString()
  @MaxLength(4096)
  url!: string;

  @ApiProperty({
    type: [String],
    example: ['task.created', 'task.status_changed'],
    description: `Event types to receive, or \`["*"]\` for all. Any of: ${EVENT_CHOICES.join(', ')}.`,
  })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  events!: string[];

  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class UpdateWebhookDto {
  @ApiPropertyOptional({ maxLength: 2048, description: URL_DOCS })
  @unlessAbsent
  @IsString()
  @MaxLength(4096)
  url?: string;

  @ApiPropertyOptional({ type: [String], description: 'Replaces the subscribed event types.' })
  @unlessAbsent
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  events?: string[];

  @ApiPropertyOptional({ maxLength: 500, nullable: true, type: String, description: 'null clears it.' })
  @ValidateIf((_object, value) => value !== null && value !== undefined)
  @IsString()
  @MaxLength(500)
  description?: string | null;

  @ApiPropertyOptional({ description: 'Enabling a disabled endpoint clears its failure streak.' })
  @unlessAbsent
  @IsBoolean()
  enabled?: boolean;
}

export class WebhookDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  url!: string;

  @ApiProperty({ type: [String] })
  events!: string[];

  @ApiProperty({ nullable: true, type: String })
  description!: string | null;

  @ApiProperty({ description: 'False when an admin disabled it or after too many failed deliveries.' })
  enabled!: boolean;

  @ApiProperty({ format: 'date-time', nullable: true, type: String, description: 'Set when disabled for failures.' })
  disabledAt!: string | null;

  @ApiProperty({ nullable: true, type: String })
  disabledReason!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;

  static from(webhook: WebhookView): WebhookDto {
    return {
      id: webhook.id,
      url: webhook.url,
      events: webhook.events,
      description: webhook.description,
      enabled: webhook.enabled,
      disabledAt: webhook.disabledAt?.toISOString() ?? null,
      disabledReason: webhook.disabledReason,
      createdAt: webhook.createdAt.toISOString(),
      updatedAt: webhook.updatedAt.toISOString(),
    };
  }
}

export class WebhookSecretDto {
  @ApiProperty({
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    description: 'The signing secret (Standard Webhooks): shown only in this response.',
  })
  secret!: string;
}

export class CreatedWebhookDto extends WebhookDto {
  @ApiProperty({ description: 'The signing secret (Standard Webhooks): shown only in this response.' })
  secret!: string;

  static fromCreated(webhook: CreatedWebhook): CreatedWebhookDto {
    return { ...WebhookDto.from(webhook), secret: webhook.secret };
  }
}

export class WebhookPingDto {
  @ApiProperty({ format: 'uuid', description: 'The `webhook.ping` event: the `webhook-id` of its delivery.' })
  eventId!: string;
}

export class WebhookPageDto extends PageDto(WebhookDto) {}

const STATUSES: DeliveryStatus[] = ['pending', 'succeeded', 'failed'];

export class DeliveryDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid', description: 'Also the `webhook-id` header of every attempt.' })
  eventId!: string;

  @ApiProperty({ example: 'task.created' })
  eventType!: string;

  @ApiProperty({ enum: STATUSES })
  status!: DeliveryStatus;

  @ApiProperty({ description: 'HTTP attempts made so far.' })
  attempts!: number;

  @ApiProperty({ nullable: true, type: Number, description: 'Of the last attempt; null when it got no answer.' })
  responseStatus!: number | null;

  @ApiProperty({ nullable: true, type: Number })
  latencyMs!: number | null;

  @ApiProperty({ nullable: true, type: String, description: 'Why the last attempt failed.' })
  error!: string | null;

  @ApiProperty({ format: 'date-time', nullable: true, type: String })
  nextAttemptAt!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  static from(delivery: DeliveryView): DeliveryDto {
    return {
      id: delivery.id,
      eventId: delivery.eventId,
      eventType: delivery.eventType,
      status: delivery.status,
      attempts: delivery.attempts,
      responseStatus: delivery.responseStatus,
      latencyMs: delivery.latencyMs,
      error: delivery.error,
      nextAttemptAt: delivery.nextAttemptAt?.toISOString() ?? null,
      createdAt: delivery.createdAt.toISOString(),
    };
  }
}

export class AttemptDto {
  @ApiProperty({ format: 'date-time' })
  at!: string;

  @ApiProperty({ nullable: true, type: Number })
  responseStatus!: number | null;

  @ApiProperty()
  latencyMs!: number;

  @ApiProperty({ nullable: true, type: String })
  error!: string | null;

  static from(attempt: AttemptView): AttemptDto {
    return {
      at: attempt.at.toISOString(),
      responseStatus: attempt.responseStatus,
      latencyMs: attempt.latencyMs,
      error: attempt.error,
    };
  }
}

export class DeliveryDetailDto extends DeliveryDto {
  @ApiProperty({ type: [AttemptDto], description: 'Every attempt, oldest first.' })
  attemptLog!: AttemptDto[];

  static fromDetail(delivery: DeliveryDetail): DeliveryDetailDto {
    return { ...DeliveryDto.from(delivery), attemptLog: delivery.attemptLog.map(AttemptDto.from) };
  }
}

export class DeliveryPageDto extends PageDto(DeliveryDto) {}
