import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';

export class OidcAuthorizeQueryDto {
  @ApiPropertyOptional({
    enum: ['cookie'],
    description:
      '`cookie`: the callback starts a browser session (httpOnly cookie + CSRF token) instead of returning tokens.',
  })
  @IsOptional()
  @IsIn(['cookie'])
  session?: 'cookie';
}
