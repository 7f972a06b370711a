import { describe, expect, it } from '@jest/globals';
import type { SessionsService } from '@groundwork/identity';
import type { AppConfig, HttpDrainService, RedisService } from '@groundwork/platform';
import type { RealtimeEvent } from '@groundwork/realtime';
import type { WorkspaceAccess } from '@groundwork/workspaces';
import type { Principal } from '../http/auth/principal.js';
import { acceptsEventStream } from './events.controller.js';
import { type EncodedEvent, RealtimeHub, type RevocationReason, type WorkspaceSubscriber } from './realtime-hub.js';
import { bearerSubprotocolToken } from './upgrade-authenticator.js';

const WORKSPACE = '01900000-0000-7000-8000-000000000001';
const ALICE = '01900000-0000-7000-8000-00000000000a';
const BOB = '01900000-0000-7000-8000-00000000000b';

function hub(): RealtimeHub {
  const config = {
    redis: { keyPrefix: 'test' },
    realtime: { flushIntervalMs: 0 },
    service: 'api',
  } as unknown as AppConfig;
  const drain = { onDrain: () => undefined } as unknown as HttpDrainService;
  return new RealtimeHub({} as RedisService, config, {} as WorkspaceAccess, {} as SessionsService, drain);
}

class Recorder implements WorkspaceSubscriber {
  readonly workspaceId = WORKSPACE;
  readonly principal: Principal;
  readonly log: string[] = [];

  constructor(userId: string) {
    this.principal = { kind: 'user', userId, sessionId: userId, via: 'bearer' };
  }

  deliver(events: readonly EncodedEvent[]): void {
    this.log.push(events.map((e) => e.published.event.type).join('+'));
  }

  revoke(reason: RevocationReason): void {
    this.log.push(`revoked:${reason}`);
  }
}

let seq = 0;
function message(type: string, data: Record<string, unknown> = {}): string {
  seq += 1;
  const event: RealtimeEvent = {
    id: `01900000-0000-7000-8000-${String(seq).padStart(12, '0')}`,
    type,
    workspaceId: WORKSPACE,
    occurredAt: new Date().toISOString(),
    data,
  };
  return JSON.stringify({ streamId: `1-${seq}`, event });
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('RealtimeHub', () => {
  it('hands the events of one event-loop turn to each subscriber together, in order', async () => {
    const realtime = hub();
    const alice = new Recorder(ALICE);
    realtime.subscribe(alice);
    realtime.receive(message('task.created'));
    realtime.receive(message('task.updated'));
    await nextTurn();
    realtime.receive(message('comment.created'));
    await nextTurn();
    expect(alice.log).toEqual(['task.created+task.updated', 'comment.created']);
  });

  it('ends a removed member’s subscription before the events that follow the removal', async () => {
    const realtime = hub();
    const alice = new Recorder(ALICE);
    const bob = new Recorder(BOB);
    realtime.subscribe(alice);
    const unsubscribeBob = realtime.subscribe(bob);
    bob.revoke = (reason) => {
      bob.log.push(`revoked:${reason}`);
      unsubscribeBob();
    };
    realtime.receive(message('task.created'));
    realtime.receive(message('member.removed', { userId: BOB }));
    realtime.receive(message('task.updated'));
    await nextTurn();
    expect(bob.log).toEqual(['task.created', 'revoked:membership_ended']);
    expect(alice.log).toEqual(['task.created', 'member.removed+task.updated']);
  });

  it('ends every subscription of a deleted workspace', async () => {
    const realtime = hub();
    const alice = new Recorder(ALICE);
    realtime.subscribe(alice);
    realtime.receive(message('workspace.deleted', { workspaceId: WORKSPACE }));
    await nextTurn();
    expect(alice.log[0]).toBe('revoked:workspace_deleted');
  });

  it('ignores what is not a published event', async () => {
    const realtime = hub();
    const alice = new Recorder(ALICE);
    realtime.subscribe(alice);
    realtime.receive('{"streamId":1}');
    realtime.receive('not json');
    await nextTurn();
    expect(alice.log).toEqual([]);
  });
});

describe('acceptsEventStream', () => {
  it.each([
    ['text/event-stream', true],
    ['application/json, text/event-stream;q=0.5', true],
    ['TEXT/EVENT-STREAM', true],
    ['text/event-stream;q=0', false],
    ['*/*', false],
    ['application/json', false],
    [undefined, false],
  ])('%s → %s', (accept, expected) => {
    expect(acceptsEventStream(accept)).toBe(expected);
  });
});

describe('bearerSubprotocolToken', () => {
  it.each([
    ['bearer, abc.def.ghi', 'abc.def.ghi'],
    ['Bearer,abc', 'abc'],
    ['chat, bearer, tok', 'tok'],
    ['bearer', undefined],
    ['chat', undefined],
    [undefined, undefined],
  ])('%s → %s', (header, expected) => {
    expect(bearerSubprotocolToken(header)).toBe(expected);
  });
});
