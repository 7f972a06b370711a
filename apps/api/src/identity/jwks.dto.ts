import { ApiProperty } from '@nestjs/swagger';

export class JwkDto {
  @ApiProperty({ enum: ['EC'] })
  kty!: 'EC';

  @ApiProperty({ enum: ['P-256'] })
  crv!: 'P-256';

  @ApiProperty()
  x!: string;

  @ApiProperty()
  y!: string;

  @ApiProperty({ description: 'RFC 7638 thumbprint; the `kid` of the tokens this key signed.' })
  kid!: string;

  @ApiProperty({ enum: ['sig'] })
  use!: 'sig';

  @ApiProperty({ enum: ['ES256'] })
  alg!: 'ES256';
}

export class JwksDto {
  @ApiProperty({ type: [JwkDto] })
  keys!: JwkDto[];
}
