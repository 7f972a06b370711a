import { Injectable } from '@nestjs/common';
import { AppConfig } from '@groundwork/platform';
import { normalizeEmail } from '../users/normalize-email.js';
import { UsersService } from '../users/users.service.js';

/**
 * Platform administrators: the accounts whose email is listed in `PLATFORM_ADMIN_EMAILS` and
 * verified (an unverified address proves nothing: anyone can register it). Emails compare as
 * the accounts store them (trimmed, domain lower-cased).
 */
@Injectable()
export class PlatformAdmins {
  private readonly emails: ReadonlySet<string>;

  constructor(
    config: AppConfig,
    private readonly users: UsersService,
  ) {
    this.emails = new Set(config.platformAdmins.emails.map(normalizeEmail));
  }

  async isPlatformAdmin(userId: string): Promise<boolean> {
    if (this.emails.size === 0) return false;
    const user = await this.users.findById(userId);
    return user !== undefined && user.emailVerified && this.emails.has(normalizeEmail(user.email));
  }
}
