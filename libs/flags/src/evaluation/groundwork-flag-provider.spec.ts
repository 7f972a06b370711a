import { afterAll, describe, expect, it } from '@jest/globals';
import { ErrorCode, NOOP_PROVIDER, OpenFeature } from '@openfeature/server-sdk';
import { newId } from '@groundwork/platform';
import { builtInDefinitions, type FlagDefinition } from '../definitions/flag-definition.js';
import { type FlagLookup, GroundworkFlagProvider } from './groundwork-flag-provider.js';

/** An in-memory set of definitions: what the provider reads from the catalogue. */
function lookup(definitions: Partial<FlagDefinition>[]): FlagLookup {
  const flags = builtInDefinitions();
  for (const d of definitions) {
    flags.set(d.key ?? '', { ...builtInDefinitions().get('search')!, builtIn: false, ...d } as FlagDefinition);
  }
  return { get: (key) => flags.get(key), source: 'storage' };
}

describe('GroundworkFlagProvider through the OpenFeature server SDK', () => {
  const domain = `provider-spec-${newId()}`;
  const listed = newId();
  OpenFeature.setProvider(
    domain,
    new GroundworkFlagProvider(
      lookup([
        { key: 'search', enabled: false, workspaceIds: [listed] },
        { key: 'theme', enabled: true, variants: { light: 'L', dark: 'D' }, defaultVariant: 'dark' },
        { key: 'theme.off', enabled: false, variants: { light: 'L' }, defaultVariant: 'light' },
      ]),
    ),
  );
  const client = OpenFeature.getClient(domain);

  afterAll(() => {
    OpenFeature.setProvider(domain, NOOP_PROVIDER);
  });

  it('evaluates boolean flags for the workspace in the context', async () => {
    expect(await client.getBooleanValue('search', true, { targetingKey: listed, workspaceId: listed })).toBe(true);
    const other = await client.getBooleanDetails('search', true, { workspaceId: newId() });
    expect(other).toMatchObject({ value: false, reason: 'DISABLED' });
    expect(await client.getBooleanValue('attachments', false, {})).toBe(true);
  });

  it("answers a variant flag's default variant when on, and the caller's default when off", async () => {
    expect(await client.getStringDetails('theme', 'fallback', { workspaceId: newId() })).toMatchObject({
      value: 'D',
      variant: 'dark',
    });
    expect(await client.getStringDetails('theme.off', 'fallback', { workspaceId: newId() })).toMatchObject({
      value: 'fallback',
      reason: 'DISABLED',
    });
    expect(await client.getBooleanValue('theme', false, {})).toBe(true);
  });

  it('answers the code default for an unknown flag or a type mismatch', async () => {
    expect(await client.getBooleanDetails('no.such.flag', true, {})).toMatchObject({
      value: true,
      errorCode: ErrorCode.FLAG_NOT_FOUND,
    });
    expect(await client.getStringDetails('search', 'x', {})).toMatchObject({
      value: 'x',
      errorCode: ErrorCode.TYPE_MISMATCH,
    });
    expect(await client.getNumberValue('search', 7, {})).toBe(7);
  });
});
