import { Module } from '@nestjs/common';
import { AppConfig, RateLimiterModule } from '@groundwork/platform';
import { MailerService } from './mailer/mailer.service.js';
import { TemplateRenderer } from './templates/template-renderer.js';
import { FileMailTransport } from './transport/file-mail.transport.js';
import { MailTransport } from './transport/mail-transport.js';
import { SmtpMailTransport } from './transport/smtp-mail.transport.js';

/** Transactional email. The transport is chosen by config: SMTP when SMTP_URL is set, files otherwise. */
@Module({
  imports: [RateLimiterModule],
  providers: [
    TemplateRenderer,
    MailerService,
    {
      provide: MailTransport,
      inject: [AppConfig],
      useFactory: (config: AppConfig): MailTransport =>
        config.mail.smtpUrl
          ? new SmtpMailTransport(config.mail.smtpUrl, { requireTls: config.mail.requireTls })
          : new FileMailTransport(config.mail.outboxDir),
    },
  ],
  exports: [MailerService, TemplateRenderer, MailTransport],
})
export class NotificationsModule {}
