import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { WebSocketServer } from 'ws';
import { AppConfig, PROBLEM_CONTENT_TYPE, problemTitle, problemType, slugForStatus } from '@groundwork/platform';
import { RealtimeHub } from '@groundwork/realtime';
import { SocketSession } from './socket-session.js';
import { BEARER_SUBPROTOCOL, UpgradeAuthenticator } from './upgrade-authenticator.js';

export const WS_PATH = '/v1/ws';
/** Largest client message; a bigger frame closes the connection (1009). */
export const MAX_MESSAGE_BYTES = 64 * 1024;

/**
 * `/v1/ws`: a plain RFC 6455 WebSocket endpoint (the `ws` library, no socket.io framing). The
 * upgrade is authenticated before the handshake: a refused one is answered with an HTTP 401
 * problem document and never becomes a WebSocket. It listens to the HTTP server's `upgrade`
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
  ) {}

  onApplicationBootstrap(): void {
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
      refuse(socket, 503, 'The real-time service is unavailable; try again.');
    });
  };

  private async upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== WS_PATH) return refuse(socket, 404, 'No WebSocket endpoint here.');
    if (this.hub.isDraining) return refuse(socket, 503, 'The instance is shutting down; reconnect.');
    const principal = await this.authenticator.authenticate(request, url);
    if (!principal) {
      return refuse(
        socket,
        401,
        'A valid ticket (?ticket=) or access token (subprotocol "bearer, <token>") is required.',
      );
    }
    if (socket.destroyed) return;
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      const { maxBufferedBytes } = this.config.realtime;
      new SocketSession(
        ws,
        socket,
        principal,
        this.hub,
        { maxBufferedBytes, maxSubscriptions: 50, maxInvalidPerMinute: 10 },
        this.logger,
      ).start();
    });
  }
}

/** Answers the upgrade request with a plain HTTP problem response and closes the socket. */
function refuse(socket: Duplex, status: number, detail: string): void {
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
    ...(status === 503 ? ['Retry-After: 1'] : []),
  ];
  socket.end(`${headers.join('\r\n')}\r\n\r\n${body}`);
}
