/**
 * The text → value conversions of environment variables, for the platform's schema and the
 * contexts' configuration slices alike (`@Transform(envInt)` before `@IsInt()`).
 */
export const envInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : value;

export const envBool = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes'].includes(v)) return true;
  if (['false', '0', 'no'].includes(v)) return false;
  return value;
};

/** `@IsUrl` options of the contract's URLs: a protocol, no top-level domain needed. */
export const URL_OPTS = { require_tld: false, require_protocol: true } as const;
