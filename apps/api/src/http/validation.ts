import { ValidateIf } from 'class-validator';

/**
 * For optional fields that cannot be cleared: `null` is validated (and refused), where
 * `@IsOptional()` would skip it and let it reach the database as "clear this".
 */
export const unlessAbsent = ValidateIf((_object, value) => value !== undefined);
