import { describe, expect, it } from '@jest/globals';
import { DomainError, httpStatusOf, problemType } from '@groundwork/platform';
import { FeatureDisabledError } from './feature-disabled.error.js';

describe('FeatureDisabledError', () => {
  it('is a 403 problem of type feature-disabled that names the flag', () => {
    const error = new FeatureDisabledError('search');
    expect(error).toBeInstanceOf(DomainError);
    expect(httpStatusOf(error.code)).toBe(403);
    expect(problemType(error.code)).toBe('https://groundwork.dev/problems/feature-disabled');
    expect(error.extensions).toEqual({ flag: 'search' });
    expect(error.message).toContain('search');
  });
});
