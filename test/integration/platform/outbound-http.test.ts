import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { isIP, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Test, type TestingModule } from '@nestjs/testing';
import {
  loadAppConfig,
  OutboundHttpModule,
  OutboundRequestError,
  PlatformConfigModule,
  SafeHttpClient,
  type OutboundPolicy,
  type Resolver,
} from '@groundwork/platform';
import { webhookOutboundPolicy } from '@groundwork/webhooks';
import { freePort } from '../../support/ports.js';

const strict: OutboundPolicy = { allowPrivateNetworks: false, allowHttp: false };
/** Plain http, public addresses only: lets these tests use http receivers while the address check is on. */
const publicOnly: OutboundPolicy = { allowPrivateNetworks: false, allowHttp: true };
const local: OutboundPolicy = { allowPrivateNetworks: true, allowHttp: true };

const post = { headers: { 'content-type': 'application/json' }, body: '{"type":"webhook.ping"}', timeoutMs: 2_000 };

interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The TLS server name (SNI) the client asked for, on an https receiver. */
  servername: string | false | null | undefined;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

interface Receiver {
  port: number;
  requests: ReceivedRequest[];
  /** TCP connections accepted, whether or not a request followed. */
  connections: number;
}

const servers: Server[] = [];

/** A server on `host` that records each request (body read whole) before `handler` answers it. */
async function receiver(
  handler: Handler = (_req, res) => res.end('ok'),
  { host = '127.0.0.1', port = 0, tls }: { host?: string; port?: number; tls?: { key: string; cert: string } } = {},
): Promise<Receiver> {
  const state: Receiver = { port: 0, requests: [], connections: 0 };
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const servername = (req.socket as Partial<TLSSocket>).servername;
      state.requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        servername,
      });
      handler(req, res);
    });
  };
  const server = tls ? createTlsServer(tls, onRequest) : createServer(onRequest);
  server.on('connection', () => (state.connections += 1));
  servers.push(server);
  server.listen(port, host);
  await once(server, 'listening');
  state.port = (server.address() as AddressInfo).port;
  return state;
}

afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((server) => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    }),
  );
});

/** A resolver that gives `answers[i]` on its i-th call (the last one thereafter) and records the names asked. */
function dns(...answers: string[][]): Resolver & { asked: string[] } {
  const asked: string[] = [];
  const resolve = async (hostname: string) => {
    const answer = answers[Math.min(asked.length, answers.length - 1)] ?? [];
    asked.push(hostname);
    return answer.map((address) => ({ address, family: isIP(address) === 6 ? (6 as const) : (4 as const) }));
  };
  return Object.assign(resolve, { asked });
}

/** The error a request was refused with; fails the test if it got a response. */
async function refusal(request: Promise<unknown>): Promise<OutboundRequestError> {
  const outcome = await request.then(
    (response) => new Error(`expected a refusal, got ${JSON.stringify(response)}`),
    (error: unknown) => error,
  );
  if (outcome instanceof OutboundRequestError) return outcome;
  throw outcome;
}

/** Loopback listeners on one port, IPv4 and IPv6: any request that slips through to this host is counted. */
async function loopbackSentinel(): Promise<{ port: number; connections: () => number }> {
  const v4 = await receiver();
  const v6 = await receiver(undefined, { host: '::1', port: v4.port });
  return { port: v4.port, connections: () => v4.connections + v6.connections };
}

describe('SafeHttpClient', () => {
  describe('refuses, without connecting, a host whose address is not public unicast', () => {
    it.each([
      ['127.0.0.1', 'loopback'],
      ['10.1.2.3', 'private'],
      ['172.16.0.1', 'private'],
      ['192.168.1.1', 'private'],
      ['169.254.169.254', 'linkLocal'],
      ['100.64.0.1', 'carrierGradeNat'],
      ['0.0.0.0', 'unspecified'],
      ['224.0.0.1', 'multicast'],
      ['255.255.255.255', 'broadcast'],
      ['192.0.2.10', 'reserved'],
      ['198.18.0.1', 'reserved'],
      ['::1', 'loopback'],
      ['::', 'unspecified'],
      ['fe80::1', 'linkLocal'],
      ['fc00::1', 'uniqueLocal'],
      ['::ffff:127.0.0.1', 'ipv4Mapped'],
      ['::ffff:10.0.0.1', 'ipv4Mapped'],
      ['64:ff9b::7f00:1', 'rfc6052'],
      ['2002:7f00:1::', '6to4'],
      ['2001:db8::1', 'reserved'],
    ])('%s (%s)', async (address, range) => {
      const sentinel = await loopbackSentinel();
      const resolve = dns([address]);
      const error = await refusal(
        new SafeHttpClient(publicOnly, resolve).post(`http://hooks.test:${sentinel.port}/in`, post),
      );
      expect(error.code).toBe('blocked_address');
      expect(error.message).toBe(`hooks.test: address ${address} is in a blocked range (${range})`);
      expect(resolve.asked).toEqual(['hooks.test']);
      expect(sentinel.connections()).toBe(0);
    });

    it('when any one of its addresses is blocked, even if another is public', async () => {
      const sentinel = await loopbackSentinel();
      const error = await refusal(
        new SafeHttpClient(publicOnly, dns(['8.8.8.8', '127.0.0.1'])).post(`http://hooks.test:${sentinel.port}/`, post),
      );
      expect(error.message).toBe('hooks.test: address 127.0.0.1 is in a blocked range (loopback)');
      expect(sentinel.connections()).toBe(0);
    });
  });

  describe('refuses IP-literal hosts in blocked ranges, however the address is spelt', () => {
    it.each([
      ['http://127.0.0.1:{port}/', '127.0.0.1'],
      ['http://2130706433:{port}/', '127.0.0.1'],
      ['http://0x7f.1:{port}/', '127.0.0.1'],
      ['http://0177.0.0.1:{port}/', '127.0.0.1'],
      ['http://0.0.0.0:{port}/', '0.0.0.0'],
      ['http://[::1]:{port}/', '::1'],
      ['http://[::ffff:127.0.0.1]:{port}/', '::ffff:7f00:1'],
      ['http://169.254.169.254/latest/meta-data/', '169.254.169.254'],
    ])('%s', async (template, address) => {
      const sentinel = await loopbackSentinel();
      const resolve = dns(['8.8.8.8']);
      const error = await refusal(
        new SafeHttpClient(publicOnly, resolve).post(template.replace('{port}', String(sentinel.port)), post),
      );
      expect(error.code).toBe('blocked_address');
      expect(error.message).toMatch(new RegExp(`^address ${address.replace(/\./g, '\\.')} is in a blocked range`));
      expect(resolve.asked).toEqual([]);
      expect(sentinel.connections()).toBe(0);
    });
  });

  describe('DNS rebinding', () => {
    it('connects to the address it checked, never to a later answer of the resolver', async () => {
      const checked = await receiver();
      const later = await receiver(undefined, { host: '127.0.0.2', port: checked.port });
      const resolve = dns(['127.0.0.1'], ['127.0.0.2']);

      const response = await new SafeHttpClient(local, resolve).post(`http://hooks.test:${checked.port}/in`, post);

      expect(response.status).toBe(200);
      expect(resolve.asked).toEqual(['hooks.test']);
      expect(checked.requests).toHaveLength(1);
      expect(later.connections).toBe(0);
    });

    it('a resolver that answers a public address, then loopback, cannot steer the connection to loopback', async () => {
      const sentinel = await loopbackSentinel();
      // 3ffe::/16 was the 6bone's: public unicast by every table, routed nowhere today.
      const resolve = dns(['3ffe::1'], ['127.0.0.1']);

      const error = await refusal(
        new SafeHttpClient(publicOnly, resolve).post(`http://hooks.test:${sentinel.port}/`, {
          ...post,
          timeoutMs: 500,
        }),
      );

      expect(['connection_failed', 'timeout']).toContain(error.code);
      expect(resolve.asked).toEqual(['hooks.test']);
      expect(sentinel.connections()).toBe(0);
    });
  });

  describe('under allowPrivateNetworks', () => {
    it('reaches a local receiver by name, IPv4 literal and IPv6 literal', async () => {
      const v4 = await receiver();
      const v6 = await receiver(undefined, { host: '::1' });
      const client = new SafeHttpClient(local, dns(['127.0.0.1']));

      for (const url of [
        `http://hooks.test:${v4.port}/a`,
        `http://127.0.0.1:${v4.port}/b`,
        `http://[::1]:${v6.port}/c`,
      ]) {
        expect((await client.post(url, post)).status).toBe(200);
      }
      expect(v4.requests.map((r) => r.url)).toEqual(['/a', '/b']);
      expect(v6.requests.map((r) => [r.url, r.headers.host])).toEqual([['/c', `[::1]:${v6.port}`]]);
    });

    it('is what OutboundHttpModule builds from WEBHOOK_ALLOW_PRIVATE_NETWORKS, WEBHOOK_ALLOW_HTTP and WEBHOOK_ALLOWED_PORTS', async () => {
      const target = await receiver();
      const modules: TestingModule[] = [];
      const clientFor = async (allow: string, ports = `80,443,${target.port}`): Promise<SafeHttpClient> => {
        const env = {
          ...process.env,
          WEBHOOK_ALLOW_PRIVATE_NETWORKS: allow,
          WEBHOOK_ALLOW_HTTP: 'true',
          WEBHOOK_ALLOWED_PORTS: ports,
        };
        const moduleRef = await Test.createTestingModule({
          imports: [
            PlatformConfigModule.forRoot('worker', loadAppConfig('worker', env)),
            OutboundHttpModule.forPolicy(webhookOutboundPolicy),
          ],
        }).compile();
        modules.push(moduleRef);
        return moduleRef.get(SafeHttpClient);
      };

      try {
        expect((await (await clientFor('true')).post(`http://127.0.0.1:${target.port}/`, post)).status).toBe(200);
        const error = await refusal((await clientFor('false')).post(`http://127.0.0.1:${target.port}/`, post));
        expect(error.code).toBe('blocked_address');
        const port = await refusal((await clientFor('false', '80,443')).post(`http://127.0.0.1:${target.port}/`, post));
        expect(port).toMatchObject({ code: 'invalid_url', message: expect.stringContaining(`port ${target.port}`) });
        expect(target.requests).toHaveLength(1);
      } finally {
        await Promise.all(modules.map((moduleRef) => moduleRef.close()));
      }
    });
  });

  describe('the request', () => {
    it('POSTs the body in one piece with its content-length, the caller’s headers and a versionless user-agent', async () => {
      const target = await receiver((_req, res) => res.writeHead(202).end('accepted'));
      const body = JSON.stringify({ type: 'task.created', data: { title: 'Café ✓' } });

      const response = await new SafeHttpClient(local, dns(['127.0.0.1'])).post(
        `http://hooks.test:${target.port}/in/7?team=a`,
        { headers: { 'content-type': 'application/json', 'webhook-id': 'msg_1' }, body, timeoutMs: 2_000 },
      );

      expect(response).toEqual({ status: 202, body: 'accepted', truncated: false, latencyMs: expect.any(Number) });
      const [received] = target.requests;
      expect(received?.method).toBe('POST');
      expect(received?.url).toBe('/in/7?team=a');
      expect(received?.body).toBe(body);
      expect(received?.headers).toMatchObject({
        host: `hooks.test:${target.port}`,
        'content-length': String(Buffer.byteLength(body)),
        'content-type': 'application/json',
        'webhook-id': 'msg_1',
        'user-agent': 'Groundwork-Webhooks/1',
      });
      expect(received?.headers['transfer-encoding']).toBeUndefined();
    });

    it('lets the caller’s user-agent win over the default', async () => {
      const target = await receiver();
      await new SafeHttpClient(local, dns(['127.0.0.1'])).post(`http://hooks.test:${target.port}/`, {
        ...post,
        headers: { 'User-Agent': 'Custom/2' },
      });
      expect(target.requests[0]?.headers['user-agent']).toBe('Custom/2');
    });

    it('refuses http when allowHttp is false, before resolving or connecting', async () => {
      const sentinel = await loopbackSentinel();
      const resolve = dns(['8.8.8.8']);
      const error = await refusal(
        new SafeHttpClient(strict, resolve).post(`http://hooks.test:${sentinel.port}/`, post),
      );
      expect(error.code).toBe('invalid_url');
      expect(error.message).toBe('the URL must use https');
      expect(resolve.asked).toEqual([]);
      expect(sentinel.connections()).toBe(0);
    });

    it('uses the operating system’s resolver when none is injected: localhost is refused', async () => {
      const sentinel = await loopbackSentinel();
      const error = await refusal(new SafeHttpClient(publicOnly).post(`http://localhost:${sentinel.port}/`, post));
      expect(error.code).toBe('blocked_address');
      expect(error.message).toMatch(/^localhost: address (127\.0\.0\.1|::1) is in a blocked range \(loopback\)$/);
      expect(sentinel.connections()).toBe(0);
    });
  });

  describe('the response', () => {
    it('does not follow a redirect: the 302 is the response', async () => {
      const elsewhere = await receiver();
      const redirecting = await receiver((_req, res) =>
        res.writeHead(302, { location: `http://127.0.0.1:${elsewhere.port}/stolen` }).end(),
      );

      const response = await new SafeHttpClient(local, dns(['127.0.0.1'])).post(
        `http://hooks.test:${redirecting.port}/`,
        post,
      );

      expect(response.status).toBe(302);
      expect(elsewhere.connections).toBe(0);
    });

    it('reads at most maxResponseBytes of a 10 MB body, flags it truncated and returns promptly', async () => {
      const target = await receiver((_req, res) => res.end(Buffer.alloc(10 * 1024 * 1024, 'a')));

      const response = await new SafeHttpClient(local, dns(['127.0.0.1'])).post(`http://hooks.test:${target.port}/`, {
        ...post,
        timeoutMs: 5_000,
      });

      expect(response.status).toBe(200);
      expect(response.truncated).toBe(true);
      expect(response.body).toBe('a'.repeat(64 * 1024));
      expect(response.latencyMs).toBeLessThan(1_000);
    });

    it('closes the connection of a body that never ends once it has read enough', async () => {
      let closed: Promise<unknown> = Promise.resolve();
      const target = await receiver((_req, res) => {
        closed = once(res, 'close');
        const chunk = Buffer.alloc(16 * 1024, 'b');
        const pump = (): void => {
          while (!res.destroyed && res.write(chunk));
        };
        res.on('drain', pump);
        pump();
      });

      const response = await new SafeHttpClient(local, dns(['127.0.0.1'])).post(`http://hooks.test:${target.port}/`, {
        ...post,
        maxResponseBytes: 1_000,
      });

      expect(response).toMatchObject({ status: 200, truncated: true, body: 'b'.repeat(1_000) });
      await closed;
    });

    it('returns a body of exactly maxResponseBytes whole, not truncated', async () => {
      const target = await receiver((_req, res) => res.end('c'.repeat(1_000)));
      const response = await new SafeHttpClient(local, dns(['127.0.0.1'])).post(`http://hooks.test:${target.port}/`, {
        ...post,
        maxResponseBytes: 1_000,
      });
      expect(response).toMatchObject({ body: 'c'.repeat(1_000), truncated: false });
    });
  });

  describe('the timeout covers the whole exchange', () => {
    const timeoutMs = 300;

    /** Posts and expects a timeout, within the timeout and some slack for a loaded machine. */
    async function timesOut(client: SafeHttpClient, url: string): Promise<void> {
      const started = Date.now();
      const error = await refusal(client.post(url, { ...post, timeoutMs }));
      expect(error).toMatchObject({ code: 'timeout', message: `timed out after ${timeoutMs} ms` });
      expect(Date.now() - started).toBeLessThan(timeoutMs + 500);
    }

    it('against a receiver that accepts the request and never answers, and closes its connection', async () => {
      let closed: Promise<unknown> = Promise.resolve();
      const target = await receiver((_req, res) => {
        closed = once(res, 'close');
      });
      await timesOut(new SafeHttpClient(local, dns(['127.0.0.1'])), `http://hooks.test:${target.port}/`);
      expect(target.requests).toHaveLength(1);
      await closed;
    });

    it('against a receiver that answers 200 and trickles its body forever, and closes its connection', async () => {
      let closed: Promise<unknown> = Promise.resolve();
      const target = await receiver((_req, res) => {
        closed = once(res, 'close');
        res.writeHead(200);
        const trickle = setInterval(() => res.write('.'), 10);
        res.on('close', () => clearInterval(trickle));
      });
      await timesOut(new SafeHttpClient(local, dns(['127.0.0.1'])), `http://hooks.test:${target.port}/`);
      expect(target.requests).toHaveLength(1);
      await closed;
    });

    it('against a resolver that never answers', async () => {
      const hanging: Resolver = () => new Promise(() => undefined);
      await timesOut(new SafeHttpClient(local, hanging), 'http://hooks.test/');
    });
  });

  describe('failures carry a short cause fit for a delivery log', () => {
    it('connection refused', async () => {
      const port = await freePort();
      const error = await refusal(
        new SafeHttpClient(local, dns(['127.0.0.1'])).post(`http://hooks.test:${port}/`, post),
      );
      expect(error).toMatchObject({ code: 'connection_failed', message: 'connection refused' });
      expect(error.latencyMs).toBeGreaterThanOrEqual(0);
    });

    it('a name that does not resolve', async () => {
      const failing: Resolver = () =>
        Promise.reject(Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.test'), { code: 'ENOTFOUND' }));
      const error = await refusal(new SafeHttpClient(local, failing).post('http://nowhere.test/', post));
      expect(error).toMatchObject({ code: 'dns_failure', message: 'could not resolve nowhere.test (ENOTFOUND)' });
    });

    it('an answer that is not HTTP', async () => {
      const target = await receiver((req) => req.socket.end('SSH-2.0-OpenSSH_9.2\r\n'));
      const error = await refusal(
        new SafeHttpClient(local, dns(['127.0.0.1'])).post(`http://hooks.test:${target.port}/`, post),
      );
      expect(error.code).toBe('protocol_error');
      expect(error.message).toMatch(/^invalid HTTP response \(HPE_[A-Z_]+\)$/);
    });

    it('a header value Node refuses to send, before connecting', async () => {
      const sentinel = await loopbackSentinel();
      const error = await refusal(
        new SafeHttpClient(local, dns(['127.0.0.1'])).post(`http://hooks.test:${sentinel.port}/`, {
          ...post,
          headers: { 'webhook-id': 'msg_1\r\nx-injected: 1' },
        }),
      );
      expect(error).toMatchObject({
        code: 'invalid_request',
        message: 'the request could not be made (ERR_INVALID_CHAR)',
      });
      expect(sentinel.connections()).toBe(0);
    });

    it('the caller’s abort signal', async () => {
      const controller = new AbortController();
      const target = await receiver(() => controller.abort());
      const error = await refusal(
        new SafeHttpClient(local, dns(['127.0.0.1'])).post(`http://hooks.test:${target.port}/`, {
          ...post,
          signal: controller.signal,
        }),
      );
      expect(error).toMatchObject({ code: 'aborted', message: 'the request was cancelled' });
    });
  });

  describe('over https', () => {
    let dir: string;
    let tls: { key: string; cert: string };

    // A throwaway self-signed certificate for hooks.test, made by the system's openssl.
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'gw-outbound-tls-'));
      const key = join(dir, 'key.pem');
      const cert = join(dir, 'cert.pem');
      execFileSync(
        'openssl',
        [
          ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
          ['-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=hooks.test'],
          ['-addext', 'subjectAltName=DNS:hooks.test'],
        ].flat(),
        { stdio: 'ignore' },
      );
      tls = { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
    });

    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    const httpsOnly: OutboundPolicy = { allowPrivateNetworks: true, allowHttp: false };

    it('connects to the checked address, names the URL’s host in SNI and verifies the certificate against it', async () => {
      const target = await receiver(undefined, { tls });
      const response = await new SafeHttpClient(httpsOnly, dns(['127.0.0.1']), { ca: tls.cert }).post(
        `https://hooks.test:${target.port}/in`,
        post,
      );
      expect(response.status).toBe(200);
      expect(target.requests[0]?.servername).toBe('hooks.test');
    });

    it('refuses a certificate issued for another name, though the address is the same', async () => {
      const target = await receiver(undefined, { tls });
      const error = await refusal(
        new SafeHttpClient(httpsOnly, dns(['127.0.0.1']), { ca: tls.cert }).post(
          `https://other.test:${target.port}/in`,
          post,
        ),
      );
      expect(error).toMatchObject({ code: 'tls_failure', message: 'TLS failed (ERR_TLS_CERT_ALTNAME_INVALID)' });
      expect(target.requests).toHaveLength(0);
    });

    it('refuses a certificate the system’s roots do not vouch for', async () => {
      const target = await receiver(undefined, { tls });
      const error = await refusal(
        new SafeHttpClient(httpsOnly, dns(['127.0.0.1'])).post(`https://hooks.test:${target.port}/in`, post),
      );
      expect(error).toMatchObject({ code: 'tls_failure', message: 'TLS failed (DEPTH_ZERO_SELF_SIGNED_CERT)' });
      expect(target.requests).toHaveLength(0);
    });
  });
});
