import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { EmailVerificationService, RegistrationService } from '@groundwork/identity';
import { ApiProblemResponses } from '../http/api-problem-responses.decorator.js';
import { RateLimit } from '../http/rate-limit/rate-limit.decorator.js';
import { RegisterDto, RegistrationAcceptedDto, VerifyEmailDto } from './register.dto.js';
import { Public } from '../http/auth/access-rules.js';

@ApiTags('auth')
@Controller({ path: 'auth', version: '1' })
@Public()
export class RegistrationController {
  constructor(
    private readonly registration: RegistrationService,
    private readonly verification: EmailVerificationService,
  ) {}

  @Post('register')
  @RateLimit('auth')
  @HttpCode(201)
  @ApiOperation({
    operationId: 'register',
    summary:
      'Sign up. A verification mail is queued; an already registered email gets a notice mail instead, with the same answer.',
  })
  @ApiCreatedResponse({ type: RegistrationAcceptedDto })
  @ApiProblemResponses(400, 413, 415, 422, 429)
  async register(@Body() body: RegisterDto): Promise<RegistrationAcceptedDto> {
    await this.registration.register(body);
    return { status: 'pending_verification' };
  }

  @Post('verify-email')
  @RateLimit('auth')
  @HttpCode(204)
  @ApiOperation({ operationId: 'verifyEmail', summary: 'Confirm an email address with the token from the mail.' })
  @ApiNoContentResponse({ description: 'The email is verified.' })
  @ApiBadRequestResponse({ description: 'The token is invalid, used or expired (problem+json).' })
  @ApiProblemResponses(422, 429)
  async verifyEmail(@Body() body: VerifyEmailDto): Promise<void> {
    await this.verification.verify(body.token);
  }
}
