// @ts-check
/**
 * What the cluster scripts put through the proxy and what they check afterwards: a bounded
 * load generator (the product's everyday mix), SSE and WebSocket clients that reconnect and
 * resume like real ones, a webhook receiver, and the ledger that says whether any event was
 * lost or delivered twice.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { onSseFrames, sseField } from '../support/sse-frames.js';
import { call, provisionTenant, query, sleep } from './lib.js';

/** A failure for these scripts: a 5xx, a 429, or no answer at all (reset, refused, timeout). */
export function isFailure(/** @type {number} */ status) {
  return status === 0 || status === 429 || status >= 500;
}

/**
 * @typedef {object} Tenant
 * @property {string} token @property {string} workspaceId @property {string} projectId
 */

/**
 * Virtual users, each looping over create → read → list → move → comment (→ search when the
 * product has it) with a pause between requests. Bounded: `stop()` ends every loop after its
 * current request. Creates carry an Idempotency-Key, as a careful client's do.
 */
export class LoadGenerator {
  /** @param {{ baseUrl: string, tenant: Tenant, users: number, pauseMs: number, search?: boolean }} options */
  constructor(options) {
    this.options = options;
    this.running = false;
    this.requests = 0;
    /** @type {{ at: number, what: string, status: number, detail: string }[]} */
    this.failures = [];
    /** @type {Map<string, number>} */
    this.byStatus = new Map();
    /** Every task the api answered 201 for. @type {string[]} */
    this.created = [];
    /** Latencies in ms per kind of request. @type {Map<string, number[]>} */
    this.latencies = new Map();
    /** @type {Promise<void>[]} */
    this.loops = [];
  }

  start() {
    this.running = true;
    for (let i = 0; i < this.options.users; i += 1) this.loops.push(this.loop(i));
  }

  async stop() {
    this.running = false;
    await Promise.all(this.loops);
  }

  /**
   * One request; counted, timed, and recorded as a failure when it is one.
   * @param {string} what @param {string} path @param {Parameters<typeof call>[1]} init
   */
  async request(what, path, init) {
    const started = performance.now();
    /** @type {{ status: number, headers?: Headers, body?: any }} */
    let result;
    try {
      result = await call(`${this.options.baseUrl}${path}`, { token: this.options.tenant.token, ...init });
    } catch (error) {
      result = { status: 0, body: error instanceof Error ? (error.cause ?? error).toString() : String(error) };
    }
    const ms = performance.now() - started;
    this.requests += 1;
    this.byStatus.set(`${result.status}`, (this.byStatus.get(`${result.status}`) ?? 0) + 1);
    const list = this.latencies.get(what) ?? [];
    list.push(ms);
    this.latencies.set(what, list);
    if (isFailure(result.status)) {
      this.failures.push({
        at: Date.now(),
        what,
        status: result.status,
        detail: typeof result.body === 'string' ? result.body.slice(0, 200) : JSON.stringify(result.body).slice(0, 200),
      });
    }
    return result;
  }

  /** @param {number} user */
  async loop(user) {
    const { tenant, pauseMs } = this.options;
    const ws = `/v1/workspaces/${tenant.workspaceId}`;
    let n = 0;
    while (this.running) {
      n += 1;
      const created = await this.request('create', `${ws}/tasks`, {
        method: 'POST',
        headers: { 'idempotency-key': randomUUID() },
        body: { projectId: tenant.projectId, title: `Task ${user}-${n}`, description: 'Made by the cluster load' },
      });
      await sleep(pauseMs);
      if (created.status !== 201) continue;
      const task = created.body;
      this.created.push(task.id);
      if (!this.running) break;
      const read = await this.request('read', `${ws}/tasks/${task.id}`, {});
      await sleep(pauseMs);
      if (!this.running) break;
      await this.request('list', `${ws}/tasks?limit=20`, {});
      await sleep(pauseMs);
      if (!this.running) break;
      const etag = read.headers?.get('etag') ?? `"${task.version}"`;
      await this.request('move', `${ws}/tasks/${task.id}`, {
        method: 'PATCH',
        headers: { 'if-match': etag },
        body: { status: 'in_progress' },
      });
      await sleep(pauseMs);
      if (!this.running) break;
      await this.request('comment', `${ws}/tasks/${task.id}/comments`, {
        method: 'POST',
        headers: { 'idempotency-key': randomUUID() },
        body: { body: `Comment ${n}` },
      });
      await sleep(pauseMs);
      if (this.options.search && this.running) {
        await this.request('search', `${ws}/search?q=task&limit=10`, {});
        await sleep(pauseMs);
      }
    }
  }

  /**
   * A backlog: `count` task creates, `concurrency` at a time (a burst a real client could send,
   * not a flood that only measures the pool's acquire timeout), recorded like the others.
   * @param {number} count @param {number} concurrency @param {string} label
   */
  async backlog(count, concurrency, label) {
    const { tenant } = this.options;
    let next = 0;
    const sender = async () => {
      while (next < count) {
        const i = next++;
        const created = await this.request('create', `/v1/workspaces/${tenant.workspaceId}/tasks`, {
          method: 'POST',
          headers: { 'idempotency-key': randomUUID() },
          body: { projectId: tenant.projectId, title: `${label} ${i}` },
        });
        if (created.status === 201) this.created.push(created.body.id);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, sender));
  }

  /** Every task the api confirmed with 201 must be readable now; returns those that are not. */
  async unreadable() {
    const missing = [];
    const ws = `/v1/workspaces/${this.options.tenant.workspaceId}`;
    for (const id of this.created) {
      const read = await call(`${this.options.baseUrl}${ws}/tasks/${id}`, { token: this.options.tenant.token });
      if (read.status !== 200) missing.push(`${id}: ${read.status}`);
    }
    return missing;
  }
}

/**
 * A real-time client that behaves like a careful browser: when its connection ends it
 * reconnects through the proxy and resumes after the last event it got (SSE `Last-Event-ID`,
 * WebSocket `lastEventId` in its subscribe message). Records every event id it receives.
 */
export class RealtimeClient {
  /** @param {{ kind: 'sse' | 'ws', baseUrl: string, tenant: Tenant, name: string }} options */
  constructor(options) {
    this.options = options;
    /** @type {Map<string, number>} event id → times received */
    this.received = new Map();
    /** @type {string | undefined} */
    this.lastEventId = undefined;
    this.connections = 0;
    this.resyncs = 0;
    this.stopped = false;
    /** @type {(() => void) | undefined} */
    this.closeCurrent = undefined;
    /** @type {string[]} */
    this.errors = [];
  }

  get name() {
    return this.options.name;
  }

  /** Connects, and keeps reconnecting until `stop()`. Resolves once the first connection is live. */
  async start() {
    await new Promise((resolve) => {
      this.onFirstOpen = resolve;
      void this.run();
    });
  }

  stop() {
    this.stopped = true;
    this.closeCurrent?.();
  }

  /** @param {{ id: string }} event */
  record(event) {
    this.received.set(event.id, (this.received.get(event.id) ?? 0) + 1);
    this.lastEventId = event.id;
  }

  opened() {
    this.connections += 1;
    this.onFirstOpen?.(undefined);
    this.onFirstOpen = undefined;
  }

  async run() {
    while (!this.stopped) {
      try {
        await (this.options.kind === 'sse' ? this.sse() : this.ws());
      } catch (error) {
        this.errors.push(error instanceof Error ? error.message : String(error));
      }
      if (!this.stopped) await sleep(100);
    }
  }

  /** One SSE connection, until it ends. */
  sse() {
    const { baseUrl, tenant } = this.options;
    return new Promise((resolve, reject) => {
      const req = http.get(
        `${baseUrl}/v1/workspaces/${tenant.workspaceId}/events`,
        {
          agent: false,
          headers: {
            accept: 'text/event-stream',
            authorization: `Bearer ${tenant.token}`,
            ...(this.lastEventId ? { 'last-event-id': this.lastEventId } : {}),
          },
        },
        (res) => {
          if (res.statusCode !== 200) {
            res.resume();
            reject(new Error(`SSE answered ${res.statusCode}`));
            return;
          }
          this.opened();
          onSseFrames(res, (frame) => {
            const data = sseField(frame, 'data');
            if (sseField(frame, 'event') === 'resync') this.resyncs += 1;
            else if (sseField(frame, 'id') !== undefined && data) this.record(JSON.parse(data));
          });
          res.once('close', () => resolve(undefined));
          res.once('error', () => resolve(undefined));
        },
      );
      this.closeCurrent = () => req.destroy();
      req.once('error', reject);
    });
  }

  /** One WebSocket connection, until it closes. */
  ws() {
    const { baseUrl, tenant } = this.options;
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/v1/ws`, ['bearer', tenant.token], {
        perMessageDeflate: false,
      });
      this.closeCurrent = () => socket.terminate();
      let open = false;
      socket.once('open', () => {
        socket.send(
          JSON.stringify({
            type: 'subscribe',
            workspaceId: tenant.workspaceId,
            ...(this.lastEventId ? { lastEventId: this.lastEventId } : {}),
          }),
        );
      });
      socket.on('message', (/** @type {Buffer} */ data) => {
        const message = JSON.parse(data.toString());
        if (message.type === 'subscribed') {
          open = true;
          this.opened();
        } else if (message.type === 'event') this.record(message.event);
        else if (message.type === 'resync') this.resyncs += 1;
        else if (message.type === 'error') this.errors.push(`ws error message: ${data.toString().slice(0, 200)}`);
      });
      socket.once('unexpected-response', (_req, res) => {
        res.resume();
        reject(new Error(`upgrade answered ${res.statusCode}`));
      });
      socket.once('error', (error) => (open ? undefined : reject(error)));
      socket.once('close', () => resolve(undefined));
    });
  }
}

/** A webhook receiver on 127.0.0.1 that records each delivery's `webhook-id` (the event id). */
export async function startWebhookReceiver() {
  /** @type {Map<string, number>} */
  const received = new Map();
  const server = http.createServer((req, res) => {
    const id = String(req.headers['webhook-id'] ?? '');
    req.resume();
    req.on('end', () => {
      if (id) received.set(id, (received.get(id) ?? 0) + 1);
      res.statusCode = 204;
      res.end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: `http://127.0.0.1:${address.port}/hooks`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve(undefined))),
  };
}

/**
 * A new tenant watched the ways the fault scripts check delivery: a webhook receiver
 * subscribed to every event and the given real-time clients (SSE or WebSocket), connected;
 * `cleanup` closes them.
 * @param {import('./lib.js').Cluster} cluster @param {import('../bench/lib.js').Cleanup} cleanup
 * @param {{ label: string, description: string, clients: { kind: 'sse' | 'ws', name: string }[],
 *   beforeClients?: () => Promise<void> }} options beforeClients: run once the webhook exists
 */
export async function watchedTenant(cluster, cleanup, options) {
  const tenant = await provisionTenant(cluster, options.label);
  const receiver = await startWebhookReceiver();
  cleanup.add('close the webhook receiver', () => receiver.close());
  const hook = await call(`${cluster.url}/v1/workspaces/${tenant.workspaceId}/webhooks`, {
    method: 'POST',
    token: tenant.token,
    body: { url: receiver.url, events: ['*'], description: options.description },
  });
  if (hook.status !== 201) throw new Error(`webhook: ${hook.status} ${JSON.stringify(hook.body)}`);
  await options.beforeClients?.();
  const clients = options.clients.map((c) => new RealtimeClient({ ...c, baseUrl: cluster.url, tenant }));
  await Promise.all(clients.map((client) => client.start()));
  cleanup.add('stop the real-time clients', () => clients.forEach((client) => client.stop()));
  return { tenant, receiver, clients };
}

/**
 * The public events of a workspace committed after `afterSeq` (the outbox is the truth of
 * what happened), and whether any row is still waiting for the relay.
 * @param {import('./lib.js').Cluster} cluster @param {string} workspaceId @param {string} afterSeq
 */
export async function committedEvents(cluster, workspaceId, afterSeq) {
  const rows = await query(
    cluster,
    `SELECT id, type, relayed_at IS NOT NULL AS relayed FROM outbox_events
      WHERE workspace_id = $1 AND visibility = 'public' AND seq > $2 ORDER BY seq`,
    [workspaceId, afterSeq],
  );
  return rows.map((row) => ({ id: String(row.id), type: String(row.type), relayed: Boolean(row.relayed) }));
}

/** The outbox's current position. @param {import('./lib.js').Cluster} cluster */
export async function outboxPosition(cluster) {
  const [row] = await query(cluster, 'SELECT coalesce(max(seq), 0)::text AS seq FROM outbox_events');
  return String(row?.seq ?? '0');
}

/**
 * Waits until every committed event reached every consumer (or the deadline), then counts.
 * `lost` = events some consumer never got; `duplicates` = extra copies of an event at one consumer.
 * @param {{ cluster: import('./lib.js').Cluster, workspaceId: string, afterSeq: string, consumers: { name: string, received: Map<string, number> }[], timeoutMs: number }} options
 */
export async function settleEvents(options) {
  const started = Date.now();
  for (;;) {
    const events = await committedEvents(options.cluster, options.workspaceId, options.afterSeq);
    const missing = options.consumers.map((consumer) => ({
      name: consumer.name,
      missing: events.filter((event) => !consumer.received.has(event.id)),
    }));
    const lost = missing.reduce((sum, m) => sum + m.missing.length, 0);
    if (lost === 0 || Date.now() - started > options.timeoutMs) {
      const duplicates = options.consumers.reduce(
        (sum, consumer) => sum + [...consumer.received.values()].reduce((s, times) => s + (times - 1), 0),
        0,
      );
      return {
        events: events.length,
        unrelayed: events.filter((event) => !event.relayed).length,
        lost,
        missing: missing.filter((m) => m.missing.length > 0),
        duplicates,
        settledMs: Date.now() - started,
      };
    }
    await sleep(250);
  }
}
