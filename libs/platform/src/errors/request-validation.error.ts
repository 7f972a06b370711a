import type { ValidationError } from 'class-validator';
import { DomainError, type FieldError } from './domain-error.js';

/** Flattens nested class-validator errors into `{ field: 'a.b[0].c', message }` pairs. */
export function toFieldErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = /^\d+$/.test(error.property)
      ? `${parent}[${error.property}]`
      : parent
        ? `${parent}.${error.property}`
        : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...toFieldErrors(error.children ?? [], field)];
  });
}

/** The ValidationPipe's exceptionFactory: a 422 with one entry per failing field. */
export function requestValidationError(errors: ValidationError[]): DomainError {
  const fieldErrors = toFieldErrors(errors);
  return new DomainError('validation_failed', 'The request has invalid fields.', { errors: fieldErrors });
}
