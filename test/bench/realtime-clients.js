// @ts-check
/**
 * The client side of `npm run bench:realtime`, forked by it so that the clients never share an
 * event loop with the api they measure. Opens SSE and WebSocket connections to one api, then
 * records, for every event received, the delay from the event's `occurredAt` (its commit) to
 * its arrival here, in a 1 ms histogram. Talks to the parent over IPC:
 *   parent → { type: 'report' }                      child → { type: 'report', … }
 *   child → { type: 'connected', sse, ws, failed }   (once every connection is open)
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import WebSocket from 'ws';
import { onSseFrames } from '../support/sse-frames.js';

const {
  BASE_URL = '',
  TOKEN = '',
  WORKSPACE_ID = '',
  SSE_CLIENTS = '0',
  WS_CLIENTS = '0',
  SAMPLE_EVERY = '10',
} = process.env;
/**
 * Every connection receives every event, but only every SAMPLE_EVERY-th one decodes them (with
 * Node's HTTP client or `ws`) and records delays. The others are raw TCP sockets that speak
 * just enough HTTP to open the stream and then only count bytes: the clients share this
 * 2-core machine with the api, and decoding 200,000 messages a second would measure the
 * clients more than the server.
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

const target = new URL(BASE_URL);

/**
 * A connection that sends `request`, waits until the answer's bytes so far satisfy `ready`,
 * then counts what arrives. `onOpen` may write more once the head is in.
 * @param {string | Buffer} request @param {(received: string) => boolean} ready
 * @param {(socket: net.Socket, received: string) => boolean} [onOpen] false: not open yet
 * @returns {Promise<void>}
 */
function rawSink(request, ready, onOpen) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(target.port), target.hostname);
    let head = '';
    let open = false;
    socket.once('connect', () => socket.write(request));
    socket.on('data', (/** @type {Buffer} */ chunk) => {
      if (open) {
        bytesReceived += chunk.length;
        return;
      }
      head += chunk.toString('latin1');
      if (!ready(head)) return;
      try {
        if (onOpen && !onOpen(socket, head)) return;
      } catch (error) {
        socket.destroy();
        reject(error);
        return;
      }
      open = true;
      resolve();
    });
    socket.once('error', reject);
    socket.once('close', () => {
      if (open) closedEarly += 1;
      else reject(new Error(`closed before the stream opened: ${head.slice(0, 200)}`));
    });
  });
}

/** An SSE stream read as raw bytes (never decoded). */
function openSseSink() {
  return rawSink(
    `GET /v1/workspaces/${WORKSPACE_ID}/events HTTP/1.1\r\nHost: ${target.host}\r\n` +
      `Accept: text/event-stream\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`,
    (received) => received.includes('\r\n\r\n'),
    (_socket, received) => {
      if (!received.startsWith('HTTP/1.1 200')) throw new Error(`SSE answered ${received.slice(0, 40)}`);
      return true;
    },
  );
}

/** A client WebSocket text frame (clients must mask; the mask is random per frame). @param {string} text */
function maskedTextFrame(text) {
  const payload = Buffer.from(text);
  const mask = randomBytes(4);
  const header =
    payload.length < 126
      ? Buffer.from([0x81, 0x80 | payload.length])
      : Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 0xff]);
  return Buffer.concat([header, mask, payload.map((byte, i) => byte ^ (mask[i % 4] ?? 0))]);
}

/** A WebSocket subscribed to the workspace, whose frames are then counted, never parsed. */
function openWsSink() {
  let subscribeSent = false;
  return rawSink(
    `GET /v1/ws HTTP/1.1\r\nHost: ${target.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n` +
      `Sec-WebSocket-Protocol: bearer, ${TOKEN}\r\n\r\n`,
    (received) => received.includes('\r\n\r\n'),
    (socket, received) => {
      if (!received.startsWith('HTTP/1.1 101')) throw new Error(`upgrade answered ${received.slice(0, 40)}`);
      if (!subscribeSent) {
        subscribeSent = true;
        socket.write(maskedTextFrame(JSON.stringify({ type: 'subscribe', workspaceId: WORKSPACE_ID })));
      }
      return received.includes('"type":"subscribed"');
    },
  );
}

/** @returns {Promise<void>} */
function openSse() {
  const sampled = opened++ % sampleEvery === 0;
  if (!sampled) return openSseSink();
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
        // An event's frame starts with its id (heartbeats and resyncs have none).
        onSseFrames(res, (frame) => {
          if (frame.startsWith('id:')) record('sse', frame);
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
  if (!sampled) return openWsSink();
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
      record('ws', data.toString());
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
