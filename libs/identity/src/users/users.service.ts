import { Injectable } from '@nestjs/common';
import { PrismaService } from '@groundwork/platform';
import { normalizeEmail } from './normalize-email.js';

/** What other contexts may know of an account. */
export interface UserSummary {
  id: string;
  email: string;
  name: string;
  emailVerified: boolean;
  createdAt: Date;
}

@Injectable()
export class UsersService {
  constructor(private readonly prisma: PrismaService) {}

  async findById(id: string): Promise<UserSummary | undefined> {
    const user = await this.prisma.user.findUnique({ where: { id } });
    // A deleted account is a tombstone: nothing is sent to it, nobody sees it.
    return user && user.deletedAt === null
      ? {
          id: user.id,
          email: user.email,
          name: user.name,
          emailVerified: user.emailVerifiedAt !== null,
          createdAt: user.createdAt,
        }
      : undefined;
  }

  /** Display names of the given accounts (one query); deleted accounts are named as such. */
  async namesByIds(ids: readonly string[]): Promise<Map<string, string>> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return new Map();
    const rows = await this.prisma.user.findMany({ where: { id: { in: unique } }, select: { id: true, name: true } });
    return new Map(rows.map((row) => [row.id, row.name]));
  }

  async findIdByEmail(email: string): Promise<string | undefined> {
    const user = await this.prisma.user.findUnique({ where: { email: normalizeEmail(email) }, select: { id: true } });
    return user?.id;
  }
}
