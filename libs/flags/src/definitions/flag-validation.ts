import { DomainError, type FieldError, isUuid } from '@groundwork/platform';
import {
  FLAG_KEY_PATTERN,
  type FlagInput,
  MAX_FLAG_DESCRIPTION_LENGTH,
  MAX_FLAG_VARIANTS,
  MAX_FLAG_WORKSPACES,
  MAX_VARIANT_NAME_LENGTH,
  MAX_VARIANT_VALUE_LENGTH,
} from './flag-definition.js';

/**
 * The rules of a flag definition, checked by the service whatever the caller (the HTTP DTO
 * checks the shapes first; these are the rules a DTO cannot state, and the same limits again so
 * no other caller can store what the api would refuse). Every failure is a 422 naming its field.
 */
export function validateFlag(key: string, input: FlagInput): void {
  const errors: FieldError[] = [];
  if (!FLAG_KEY_PATTERN.test(key)) {
    errors.push({ field: 'key', message: `key must match ${FLAG_KEY_PATTERN.source}` });
  }
  if (input.description != null && input.description.length > MAX_FLAG_DESCRIPTION_LENGTH) {
    errors.push({
      field: 'description',
      message: `description must be at most ${MAX_FLAG_DESCRIPTION_LENGTH} characters`,
    });
  }
  const percent = input.rolloutPercent;
  if (percent != null && (!Number.isInteger(percent) || percent < 0 || percent > 100)) {
    errors.push({ field: 'rolloutPercent', message: 'rolloutPercent must be an integer from 0 to 100' });
  }
  const workspaceIds = input.workspaceIds ?? [];
  if (workspaceIds.length > MAX_FLAG_WORKSPACES) {
    errors.push({ field: 'workspaceIds', message: `workspaceIds must list at most ${MAX_FLAG_WORKSPACES} workspaces` });
  } else if (workspaceIds.some((id) => !isUuid(id))) {
    errors.push({ field: 'workspaceIds', message: 'each of workspaceIds must be a UUID' });
  }
  errors.push(...variantErrors(input));
  if (errors.length > 0) throw new DomainError('validation_failed', 'The flag definition is invalid.', { errors });
}

function variantErrors(input: FlagInput): FieldError[] {
  const variants = input.variants;
  if (variants == null) {
    return input.defaultVariant == null
      ? []
      : [{ field: 'defaultVariant', message: 'defaultVariant needs variants to name' }];
  }
  const names = Object.keys(variants);
  const errors: FieldError[] = [];
  if (names.length === 0 || names.length > MAX_FLAG_VARIANTS) {
    errors.push({ field: 'variants', message: `variants must hold from 1 to ${MAX_FLAG_VARIANTS} variants` });
  }
  for (const name of names) {
    const value = variants[name];
    if (name.length === 0 || name.length > MAX_VARIANT_NAME_LENGTH) {
      errors.push({ field: 'variants', message: `variant names must be 1 to ${MAX_VARIANT_NAME_LENGTH} characters` });
    } else if (typeof value !== 'string' || value.length > MAX_VARIANT_VALUE_LENGTH) {
      errors.push({
        field: `variants.${name}`,
        message: `a variant's value must be a string of at most ${MAX_VARIANT_VALUE_LENGTH} characters`,
      });
    }
  }
  if (input.defaultVariant == null) {
    errors.push({ field: 'defaultVariant', message: 'defaultVariant is required with variants' });
  } else if (!Object.hasOwn(variants, input.defaultVariant)) {
    errors.push({ field: 'defaultVariant', message: 'defaultVariant must name one of the variants' });
  }
  return errors;
}
