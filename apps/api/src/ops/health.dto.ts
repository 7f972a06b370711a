import { ApiExtraModels, ApiProperty, getSchemaPath } from '@nestjs/swagger';

export class LivenessDto {
  @ApiProperty({ enum: ['ok'] })
  status!: 'ok';
}

export class DependencyCheckDto {
  @ApiProperty({ enum: ['up', 'down'], description: "The dependency's state only: never an error, host or address" })
  status!: 'up' | 'down';
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
