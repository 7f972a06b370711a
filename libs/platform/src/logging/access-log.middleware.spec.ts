import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { accessLogMiddleware } from './access-log.middleware.js';

/** Runs one request through the access log and returns the URL its line carries. */
function loggedUrl(url: string): string {
  const lines: { req?: { url?: string } }[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as never) });
  const req = { method: 'GET', url, headers: {} } as unknown as IncomingMessage;
  const res = Object.assign(new EventEmitter(), { statusCode: 200 }) as unknown as ServerResponse;
  accessLogMiddleware(logger)(req, res, () => undefined);
  res.emit('finish');
  const logged = lines.at(-1)?.req?.url;
  if (logged === undefined) throw new Error('no access-log line');
  return logged;
}

describe('accessLogMiddleware', () => {
  it.each([
    ['an invitation token in the path', '/v1/invitations/s3cr3t-invitation-token-abcdefghijklmnop/accept'],
    ['the OIDC code and state', '/v1/auth/oidc/acme/callback?code=s3cr3t-code&state=s3cr3t-state'],
    ['a WebSocket ticket', '/v1/ws?ticket=s3cr3t-ticket'],
    ['a signed-URL signature', '/v1/files/ws%2Fabc?filename=a.txt&expires=1&signature=s3cr3t-signature'],
    ['a token in the query', '/v1/verify?token=s3cr3t-token'],
  ])('redacts %s', (_label, url) => {
    const logged = loggedUrl(url);

    expect(logged).not.toContain('s3cr3t');
    expect(logged).toContain('[redacted]');
  });

  it('keeps the rest of the URL as it was', () => {
    expect(loggedUrl('/v1/auth/oidc/acme/callback?code=s3cr3t&iss=https%3A%2F%2Fidp')).toBe(
      '/v1/auth/oidc/acme/callback?code=[redacted]&iss=https%3A%2F%2Fidp',
    );
    expect(loggedUrl('/v1/workspaces/abc/tasks?limit=5')).toBe('/v1/workspaces/abc/tasks?limit=5');
  });
});
