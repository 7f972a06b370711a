import { DomainError } from '@groundwork/platform';

/**
 * A feature is switched off for the workspace by its flag: a 403 problem of type
 * `feature-disabled` that names the flag (`"flag": "<key>"`), so a client can tell it from a
 * missing permission and adapt its UI.
 */
export class FeatureDisabledError extends DomainError {
  constructor(readonly flag: string) {
    super('feature_disabled', `The feature "${flag}" is disabled for this workspace.`, { extensions: { flag } });
    this.name = 'FeatureDisabledError';
  }
}
