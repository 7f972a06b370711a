import { createHash, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppConfig, RedisService } from '@groundwork/platform';

/** The signed-in user and session a ticket is issued to, and how they authenticated. */
export interface TicketBinding {
  userId: string;
  sessionId: string;
  via: 'bearer' | 'cookie';
}

const hash = (ticket: string) => createHash('sha256').update(ticket).digest('base64url');

/**
 * Single-use, short-lived WebSocket tickets, for clients that cannot set a header on the
 * upgrade (browsers): issued to a signed-in caller, bound to their user and session, stored in
 * Redis under the hash of the secret only, and redeemed with GETDEL, so a ticket works once.
 */
@Injectable()
export class WsTicketsService {
  constructor(
    private readonly redis: RedisService,
    private readonly config: AppConfig,
  ) {}

  get ttlSeconds(): number {
    return this.config.realtime.ticketTtlSeconds;
  }

  async issue(principal: TicketBinding): Promise<string> {
    const ticket = `wst_${randomBytes(24).toString('base64url')}`;
    const binding = JSON.stringify({ userId: principal.userId, sessionId: principal.sessionId, via: principal.via });
    await this.redis.client.set(this.key(ticket), binding, 'EX', this.ttlSeconds);
    return ticket;
  }

  /** The user and session a ticket was issued to, once; undefined when unknown, used or expired. */
  async redeem(ticket: string): Promise<TicketBinding | undefined> {
    if (!/^wst_[A-Za-z0-9_-]{32}$/.test(ticket)) return undefined;
    const binding = await this.redis.client.getdel(this.key(ticket));
    if (!binding) return undefined;
    return JSON.parse(binding) as TicketBinding;
  }

  private key(ticket: string): string {
    // RedisService's client adds the deployment's key prefix.
    return `realtime:ticket:${hash(ticket)}`;
  }
}
