import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '@groundwork/identity';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class LoginDto {
  @ApiProperty({ example: 'ada@example.com', maxLength: 254 })
  @Transform(trim)
  @IsString()
  @MinLength(3)
  @MaxLength(254)
  email!: string;

  // Only bounded here: a login checks a password, it does not judge it (the policy applies at sign-up).
  @ApiProperty({ maxLength: PASSWORD_MAX_LENGTH, format: 'password' })
  @IsString()
  @MinLength(1)
  @MaxLength(PASSWORD_MAX_LENGTH)
  password!: string;
}

export class LoginQueryDto {
  @ApiPropertyOptional({
    enum: ['cookie'],
    description: '`cookie`: start a browser session (httpOnly cookie + CSRF token) instead of returning tokens.',
  })
  @IsOptional()
  @IsIn(['cookie'])
  session?: 'cookie';
}

export class TokenPairDto {
  @ApiProperty({ description: 'ES256 JWT, valid for `expiresIn` seconds.' })
  accessToken!: string;

  @ApiProperty({ description: 'Opaque; single use: each refresh returns a new one.' })
  refreshToken!: string;

  @ApiProperty({ example: 900 })
  expiresIn!: number;

  @ApiProperty({ enum: ['Bearer'] })
  tokenType!: 'Bearer';
}

export class CookieSessionDto {
  @ApiProperty({ description: 'Send it as `X-CSRF-Token` on every unsafe request of this session.' })
  csrfToken!: string;
}

export class RefreshDto {
  @ApiProperty({ maxLength: 200 })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  refreshToken!: string;
}

export class ForgotPasswordDto {
  @ApiProperty({ example: 'ada@example.com', maxLength: 254 })
  @Transform(trim)
  @IsString()
  @MinLength(3)
  @MaxLength(254)
  email!: string;
}

export class ResetPasswordDto {
  @ApiProperty({ description: 'The token from the reset mail link.', maxLength: 200 })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  token!: string;

  @ApiProperty({ minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH, format: 'password' })
  @IsString()
  @MinLength(PASSWORD_MIN_LENGTH)
  @MaxLength(PASSWORD_MAX_LENGTH)
  password!: string;
}
