import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class LivenessDto {
  @ApiProperty({ enum: ['ok'] })
  status!: 'ok';
}

export class DependencyCheckDto {
  @ApiProperty({ enum: ['up', 'down'] })
  status!: 'up' | 'down';

  @ApiPropertyOptional()
  message?: string;
}

export class ReadinessDto {
  @ApiProperty({ enum: ['ok', 'degraded', 'unavailable', 'draining'] })
  status!: 'ok' | 'degraded' | 'unavailable' | 'draining';

  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: '#/components/schemas/DependencyCheckDto' },
    example: { database: { status: 'up' }, redis: { status: 'up' } },
  })
  checks!: Record<string, DependencyCheckDto>;
}
