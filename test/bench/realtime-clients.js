// @ts-check
/**
 * The client side of `npm run bench:realtime`, forked by it so that the clients never share an
 * event loop with the api they measure. Opens SSE and WebSocket connections to one api, then
 * records, for every event received, the delay from the event's `occurredAt` (its commit) to
 * its arrival here, in a 1 ms histogram. Talks to the parent over IPC:
 *   parent → { type: 'report' }                      child → { type: 'report', … }
 *   child → { type: 'connected', sse, ws, failed }   (once every connection is open)
 */
import http from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import WebSocket from 'ws';

const {
  BASE_URL = '',
  TOKEN = '',
  WORKSPACE_ID = '',
  SSE_CLIENTS = '0',
  WS_CLIENTS = '0',
  SAMPLE_EVERY = '10',
} = process.env;
/**
 * Every connection receives every event, but only every SAMPLE_EVERY-th one decodes them and
 * records delays: the clients share this 2-core machine with the api, and decoding 200,000
 * messages a second would measure the clients more than the server. The others count bytes.
 */
const sampleEvery = Math.max(1, Number(SAMPLE_EVERY));
let opened = 0;
let bytesReceived = 0;
const BATCH = 100;
const HISTOGRAM_MS = 60_000;

/** @param {string} text */
const send = (text) => process.send?.(JSON.parse(text));

function histogram() {
  return { buckets: new Uint32Array(HISTOGRAM_MS + 1), count: 0, max: 0 };
}
const delays = { sse: histogram(), ws: histogram() };
let closedEarly = 0;

/** @param {'sse' | 'ws'} kind @param {string} text */
function record(kind, text) {
  const at = text.indexOf('"occurredAt":"');
  if (at === -1) return;
  const occurredAt = Date.parse(text.slice(at + 14, at + 14 + 24));
  const delay = Math.max(0, Math.min(HISTOGRAM_MS, Date.now() - occurredAt));
  const h = delays[kind];
  h.buckets[delay] += 1;
  h.count += 1;
  if (delay > h.max) h.max = delay;
}

/** @param {ReturnType<typeof histogram>} h @param {number} p */
function percentile(h, p) {
  if (h.count === 0) return NaN;
  const rank = Math.ceil((p / 100) * h.count);
  let seen = 0;
  for (let ms = 0; ms <= HISTOGRAM_MS; ms += 1) {
    seen += h.buckets[ms];
    if (seen >= rank) return ms;
  }
  return HISTOGRAM_MS;
}

/** @returns {Promise<void>} */
function openSse() {
  const sampled = opened++ % sampleEvery === 0;
  return new Promise((resolve, reject) => {
    const url = `${BASE_URL}/v1/workspaces/${WORKSPACE_ID}/events`;
    const req = http.get(
      url,
      { agent: false, headers: { accept: 'text/event-stream', authorization: `Bearer ${TOKEN}` } },
      (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`SSE answered ${res.statusCode}`));
          res.resume();
          return;
        }
        if (!sampled) {
          res.on('data', (/** @type {Buffer} */ chunk) => (bytesReceived += chunk.length));
          res.on('close', () => (closedEarly += 1));
          resolve();
          return;
        }
        res.setEncoding('utf8');
        let buffer = '';
        res.on('data', (/** @type {string} */ chunk) => {
          buffer += chunk;
          let end;
          while ((end = buffer.indexOf('\n\n')) !== -1) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            if (frame.startsWith('id:')) record('sse', frame);
          }
        });
        res.on('close', () => (closedEarly += 1));
        resolve();
      },
    );
    req.on('error', reject);
  });
}

/** @returns {Promise<void>} */
function openWs() {
  const sampled = opened++ % sampleEvery === 0;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${BASE_URL.replace(/^http/, 'ws')}/v1/ws`, ['bearer', TOKEN], {
      perMessageDeflate: false,
    });
    ws.once('error', reject);
    ws.once('open', () => ws.send(JSON.stringify({ type: 'subscribe', workspaceId: WORKSPACE_ID })));
    let subscribed = false;
    ws.on('message', (/** @type {Buffer} */ data) => {
      if (!subscribed) {
        const text = data.toString();
        if (!text.startsWith('{"type":"subscribed"')) reject(new Error(`subscribe answered ${text}`));
        subscribed = true;
        resolve();
        return;
      }
      if (sampled) record('ws', data.toString());
      else bytesReceived += data.length;
    });
    ws.on('close', () => (closedEarly += 1));
  });
}

/** @param {number} count @param {() => Promise<void>} open */
async function openAll(count, open) {
  let failed = 0;
  for (let i = 0; i < count; i += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, count - i) }, () => open().catch(() => (failed += 1)));
    await Promise.all(batch);
  }
  return failed;
}

// How late this process's own event loop ran: a delay the clients add, not the server.
const loopDelay = monitorEventLoopDelay({ resolution: 5 });
loopDelay.enable();

const failed = (await openAll(Number(SSE_CLIENTS), openSse)) + (await openAll(Number(WS_CLIENTS), openWs));
send(JSON.stringify({ type: 'connected', sse: Number(SSE_CLIENTS), ws: Number(WS_CLIENTS), failed }));

process.on('message', (/** @type {{ type: string }} */ message) => {
  if (message.type !== 'report') return;
  /** @param {ReturnType<typeof histogram>} h */
  const summary = (h) => ({
    received: h.count,
    p50: percentile(h, 50),
    p95: percentile(h, 95),
    p99: percentile(h, 99),
    max: h.max,
  });
  process.send?.({
    type: 'report',
    sse: summary(delays.sse),
    ws: summary(delays.ws),
    closedEarly,
    clientLoopDelayP99Ms: Math.round(loopDelay.percentile(99) / 1e6),
    sampleEvery,
    bytesReceived,
  });
  setTimeout(() => process.exit(0), 50);
});
