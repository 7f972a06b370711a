/**
 * The flags the product itself consults, declared here with their defaults: a flag answers
 * its built-in default until a platform administrator defines it, again after the definition
 * is deleted, and whenever flag storage cannot be read. Other contexts gate a feature on one
 * of these keys through `FeatureFlags.isEnabled` / `FeatureFlags.assertEnabled`.
 */
export const BUILT_IN_FLAGS = {
  attachments: {
    description:
      'Task attachments. Off: uploads (direct ones included) answer 403 feature-disabled; existing attachments stay readable.',
    enabled: true,
  },
  search: {
    description: 'Workspace search. Off: search answers 403 feature-disabled; the index is still kept up to date.',
    enabled: true,
  },
} as const satisfies Record<string, { description: string; enabled: boolean }>;

export type BuiltInFlagKey = keyof typeof BUILT_IN_FLAGS;

export const BUILT_IN_FLAG_KEYS = Object.keys(BUILT_IN_FLAGS) as BuiltInFlagKey[];

export function isBuiltInFlag(key: string): key is BuiltInFlagKey {
  return Object.hasOwn(BUILT_IN_FLAGS, key);
}
