import { describe, expect, it } from '@jest/globals';
import type { SessionsService } from '@groundwork/identity';
import type { AppConfig, HttpDrainService, RedisService } from '@groundwork/platform';
import type { ApiKeyAuthenticator, WorkspaceAccess } from '@groundwork/workspaces';
import type { RealtimeEvent } from '../realtime-event.js';
import {
  type EncodedEvent,
  RealtimeHub,
  type RealtimeViewer,
  type RevocationReason,
  type WorkspaceSubscriber,
} from './realtime-hub.js';

const WORKSPACE = '01900000-0000-7000-8000-000000000001';
const ALICE = '01900000-0000-7000-8000-00000000000a';
const BOB = '01900000-0000-7000-8000-00000000000b';

function hub(): RealtimeHub {
  const config = {
    redis: { keyPrefix: 'test' },
    realtime: { flushIntervalMs: 0, sessionCheckMs: 5000, maxConnectionsPerPrincipal: 20 },
    service: 'api',
  } as unknown as AppConfig;
  const drain = { onDrain: () => undefined } as unknown as HttpDrainService;
  return new RealtimeHub(
    {} as RedisService,
    config,
    {} as WorkspaceAccess,
    {} as SessionsService,
    {} as ApiKeyAuthenticator,
    drain,
  );
}

class Recorder implements WorkspaceSubscriber {
  readonly workspaceId = WORKSPACE;
  readonly principal: RealtimeViewer;
  readonly log: string[] = [];

  constructor(userId: string) {
    this.principal = { kind: 'user', userId, sessionId: userId };
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
