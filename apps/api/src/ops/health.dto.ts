import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';

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

/** ApiExtraModels: the map below only references DependencyCheckDto, which would otherwise be left out of the spec. */
@ApiExtraModels(DependencyCheckDto)
export class ReadinessDto {
  @ApiProperty({ enum: ['ok', 'degraded', 'unavailable', 'draining'] })
  status!: 'ok' | 'degraded' | 'unavailable' | 'draining';

  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: getSchemaPath(DependencyCheckDto) },
    example: { database: { status: 'up' }, redis: { status: 'up' } },
  })
  checks!: Record<string, DependencyCheckDto>;
}
