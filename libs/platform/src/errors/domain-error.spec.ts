import { describe, expect, it } from '@jest/globals';
import { type DomainErrorCode, httpStatusOf } from './domain-error.js';

describe('httpStatusOf', () => {
  it.each<[DomainErrorCode, number]>([
    ['bad_request', 400],
    ['invalid_cursor', 400],
    ['invalid_token', 400],
    ['unauthenticated', 401],
    ['forbidden', 403],
    ['feature_disabled', 403],
    ['not_found', 404],
    ['not_acceptable', 406],
    ['conflict', 409],
    ['precondition_failed', 412],
    ['payload_too_large', 413],
    ['unsupported_media_type', 415],
    ['validation_failed', 422],
    ['precondition_required', 428],
    ['rate_limited', 429],
    ['unavailable', 503],
    ['timeout', 503],
  ])('maps %s to %i', (code, status) => {
    expect(httpStatusOf(code)).toBe(status);
  });
});
