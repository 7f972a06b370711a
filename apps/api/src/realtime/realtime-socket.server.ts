import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { WebSocketServer } from 'ws';
import {
  AppConfig,
  forwardedClientAddress,
  PROBLEM_CONTENT_TYPE,
  problemTitle,
  problemType,
  RateLimiter,
  rateLimitAddress,
  slugForStatus,
  type TrustProxyFn,
} from '@groundwork/platform';
import { RealtimeHub } from '@groundwork/realtime';
import { callerKey } from '../http/auth/principal.js';
import { SocketSession } from './socket-session.js';
import { BEARER_SUBPROTOCOL, UpgradeAuthenticator } from './upgrade-authenticator.js';

export const WS_PATH = '/v1/ws';
/** Largest client message; a bigger frame closes the connection (1009). */
export const MAX_MESSAGE_BYTES = 64 * 1024;

/** Messages a socket may send: per second sustained, and at once. */
export const MESSAGES_PER_SECOND = 20;
export const MESSAGE_BURST = 40;

/**
 * `/v1/ws`: a plain RFC 6455 WebSocket endpoint (the `ws` library, no socket.io framing). The
 * upgrade is checked before the handshake, in this order — a browser `Origin` outside
 * CORS_ORIGINS (403), the credential (401; from one address at most 60 a minute, then 429), the
 * principal's request quota (429) and its open connections (429) — and a refused one is
 * answered with an HTTP problem document and never becomes a WebSocket. It listens to the HTTP server's `upgrade`
 * event itself rather than through a Nest gateway: gateways authenticate only after the
 * handshake, and the protocol here is not Nest's `{event, data}` framing.
 */
@Injectable()
export class RealtimeSocketServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RealtimeSocketServer.name);
  private readonly wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_MESSAGE_BYTES,
    perMessageDeflate: false,
    clientTracking: false,
    // A client that authenticated with `bearer, <token>` gets `bearer` back (browsers require one).
    handleProtocols: (protocols) => (protocols.has(BEARER_SUBPROTOCOL) ? BEARER_SUBPROTOCOL : false),
  });
  private server?: Server;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly authenticator: UpgradeAuthenticator,
    private readonly hub: RealtimeHub,
    private readonly config: AppConfig,
    private readonly limiter: RateLimiter,
  ) {
    // Browsers send `Origin` on every upgrade: the api's own pages and the configured front ends.
    this.allowedOrigins = new Set([...config.http.corsOrigins, new URL(config.http.publicApiUrl).origin]);
  }

  private readonly allowedOrigins: Set<string>;
  /** Express's compiled TRUST_PROXY: the upgrade's client address by the same rule as `req.ip`. */
  private trustProxy: TrustProxyFn = () => false;

  onApplicationBootstrap(): void {
    const express = this.adapterHost.httpAdapter.getInstance<{ get(setting: string): unknown }>();
    const trust = express.get('trust proxy fn');
    if (typeof trust === 'function') this.trustProxy = trust as TrustProxyFn;
    this.server = this.adapterHost.httpAdapter.getHttpServer() as Server;
    this.server.on('upgrade', this.onUpgrade);
  }

  onApplicationShutdown(): void {
    this.server?.off('upgrade', this.onUpgrade);
    this.wss.close();
  }

  private readonly onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    this.upgrade(request, socket, head).catch((error: unknown) => {
      this.logger.warn({ err: error }, 'WebSocket upgrade failed');
      refuse(socket, 503, 'The real-time service is unavailable; try again.', 1);
    });
  };

  private async upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== WS_PATH) return refuse(socket, 404, 'No WebSocket endpoint here.');
    if (this.hub.isDraining) return refuse(socket, 503, 'The instance is shutting down; reconnect.', 1);
    // Cross-site WebSocket hijacking: a page of another site can open a socket with the
    // visitor's ticket-less browser, so browsers' upgrades must come from an allowed origin.
    const origin = request.headers.origin;
    if (origin !== undefined && !this.allowedOrigins.has(origin)) {
      return refuse(socket, 403, 'WebSocket connections from this origin are not allowed (CORS_ORIGINS).');
    }
    const address = rateLimitAddress(forwardedClientAddress(request, this.trustProxy));
    const principal = await this.authenticator.authenticate(request, url);
    if (!principal) {
      const refused = await this.limiter.consume('realtime-upgrade-refused', `ip:${address}`);
      if (!refused.allowed) {
        return refuse(socket, 429, 'Too many WebSocket upgrades without valid credentials.', refused.resetSeconds);
      }
      return refuse(
        socket,
        401,
        'A valid ticket (?ticket=) or access token (subprotocol "bearer, <token>") is required.',
      );
    }
    // An upgrade is one request of its principal, counted under the general per-caller quota.
    const rate = await this.limiter.consume('default', callerKey(principal));
    if (!rate.allowed) return refuse(socket, 429, 'Rate limit of the "default" policy exceeded.', rate.resetSeconds);
    const release = await this.hub.reserveConnection(principal);
    const { maxConnectionsPerPrincipal } = this.config.realtime;
    if (!release) {
      return refuse(
        socket,
        429,
        `At most ${maxConnectionsPerPrincipal} real-time connections (SSE and WebSocket together) per user or API key; close one first.`,
        5,
      );
    }
    if (socket.destroyed) return release();
    // Also when the handshake itself fails (ws then answers 400 without calling back).
    socket.once('close', release);
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      const { maxBufferedBytes } = this.config.realtime;
      new SocketSession(
        ws,
        socket,
        principal,
        this.hub,
        {
          maxBufferedBytes,
          maxSubscriptions: 50,
          maxInvalidPerMinute: 10,
          messagesPerSecond: MESSAGES_PER_SECOND,
          messageBurst: MESSAGE_BURST,
        },
        this.logger,
        release,
      ).start();
    });
  }
}

/** Answers the upgrade request with a plain HTTP problem response and closes the socket. */
function refuse(socket: Duplex, status: number, detail: string, retryAfterSeconds?: number): void {
  if (socket.destroyed) return;
  const body = JSON.stringify({
    type: problemType(slugForStatus(status)),
    title: problemTitle(status),
    status,
    detail,
    instance: WS_PATH,
  });
  const headers = [
    `HTTP/1.1 ${status} ${problemTitle(status)}`,
    `Content-Type: ${PROBLEM_CONTENT_TYPE}`,
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    ...(status === 401 ? ['WWW-Authenticate: Bearer realm="groundwork"'] : []),
    ...(retryAfterSeconds === undefined ? [] : [`Retry-After: ${retryAfterSeconds}`]),
  ];
  socket.end(`${headers.join('\r\n')}\r\n\r\n${body}`);
}
