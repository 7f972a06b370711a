import { STATUS_CODES } from 'node:http';
import type { FieldError } from './domain-error.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
const PROBLEM_TYPE_BASE = 'https://groundwork.dev/problems/';

/** An RFC 9457 problem document as this API sends it. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  requestId?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

/** Problem type URIs are stable identifiers clients may switch on. */
export function problemType(slug: string): string {
  return `${PROBLEM_TYPE_BASE}${slug.replace(/_/g, '-')}`;
}

export function problemTitle(status: number): string {
  return STATUS_CODES[status] ?? 'Error';
}

/** The slug for a status when no domain code is known. */
export function slugForStatus(status: number): string {
  return (STATUS_CODES[status] ?? 'error').toLowerCase().replace(/[^a-z0-9]+/g, '-');
}
