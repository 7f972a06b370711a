import { describe, expect, it } from '@jest/globals';
import { Webhook } from 'standardwebhooks';
import { standardWebhookHeaders } from './standard-webhooks.js';
import { newWebhookSecret } from './webhook-secret.js';

describe('Standard Webhooks signing', () => {
  const body = JSON.stringify({ type: 'task.created', timestamp: '2026-11-26T10:00:00.000Z', data: { taskId: 'x' } });
  const id = '0193a6f2-7c1e-7000-8000-000000000001';

  it('produces secrets of the specified format: whsec_ and base64 of 32 bytes', () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
    expect(newWebhookSecret()).not.toBe(secret);
  });

  it('signs so that the specification’s reference verifier accepts the delivery', () => {
    const secret = newWebhookSecret();
    const now = Math.floor(Date.now() / 1000);
    const headers = standardWebhookHeaders([secret], id, now, body);

    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
  });

  it('during a rotation signs with both secrets, and either one verifies', () => {
    const [oldSecret, newSecret] = [newWebhookSecret(), newWebhookSecret()];
    const headers = standardWebhookHeaders([newSecret, oldSecret], id, Math.floor(Date.now() / 1000), body);

    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() => new Webhook(oldSecret).verify(body, { ...headers })).not.toThrow();
    expect(() => new Webhook(newSecret).verify(body, { ...headers })).not.toThrow();
    expect(() => new Webhook(newWebhookSecret()).verify(body, { ...headers })).toThrow();
  });

  it('binds the signature to the body, the id and the timestamp', () => {
    const secret = newWebhookSecret();
    const now = Math.floor(Date.now() / 1000);
    const headers = standardWebhookHeaders([secret], id, now, body);
    const verifier = new Webhook(secret);

    expect(() => verifier.verify(body.replace('x', 'y'), { ...headers })).toThrow();
    expect(() => verifier.verify(body, { ...headers, 'webhook-id': `${id}0` })).toThrow();
    expect(() => verifier.verify(body, { ...headers, 'webhook-timestamp': String(now + 1) })).toThrow();
  });
});
