// @ts-check
/**
 * An open-loop load generator: requests leave at a fixed rate whatever the server's latency,
 * and each latency is measured from when the request was *due*, not when it left — so a
 * server that falls behind shows it in the percentiles instead of slowing the load down
 * (coordinated omission). wrk is closed-loop (each connection waits for its answer), which
 * measures the maximum throughput but cannot hold "half of it"; this measures at a rate.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';

/**
 * @param {{ url: string, headers?: Record<string, string>, rate: number, durationSec: number,
 *   maxSockets?: number, timeoutMs?: number }} options
 * @returns {Promise<{ sent: number, ok: number, failed: number, achievedRate: number,
 *   latencyMs: { p50: number, p90: number, p99: number, max: number } }>}
 */
export async function pacedLoad(options) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 64 });
  const target = new URL(options.url);
  const intervalMs = 1000 / options.rate;
  const total = Math.round(options.rate * options.durationSec);
  /** @type {number[]} */
  const latencies = [];
  let failed = 0;
  let sent = 0;
  /** @type {Promise<void>[]} */
  const inFlight = [];

  /** @param {number} dueAt */
  const fire = (dueAt) =>
    new Promise((resolve) => {
      const request = http.request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: target.pathname + target.search,
          headers: options.headers,
          timeout: options.timeoutMs ?? 10_000,
        },
        (response) => {
          response.resume();
          response.on('end', () => {
            if ((response.statusCode ?? 0) < 400) latencies.push(performance.now() - dueAt);
            else failed += 1;
            resolve(undefined);
          });
        },
      );
      request.on('timeout', () => request.destroy(new Error('timeout')));
      request.on('error', () => {
        failed += 1;
        resolve(undefined);
      });
      request.end();
    });

  const started = performance.now();
  while (sent < total) {
    const now = performance.now();
    // Every request due by now leaves now (a late timer never thins the load out).
    while (sent < total && started + sent * intervalMs <= now) {
      inFlight.push(fire(started + sent * intervalMs));
      sent += 1;
    }
    const nextDue = started + sent * intervalMs;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, nextDue - performance.now())));
  }
  await Promise.all(inFlight);
  const elapsedSec = (performance.now() - started) / 1000;
  agent.destroy();

  const sorted = latencies.sort((a, b) => a - b);
  /** @param {number} p */
  const at = (p) =>
    Math.round((sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? NaN) * 10) / 10;
  return {
    sent,
    ok: latencies.length,
    failed,
    achievedRate: Math.round(sent / elapsedSec),
    latencyMs: { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: at(1) },
  };
}
