/**
 * Normalises an email for storage and lookup: trimmed, domain lower-cased (the local part is
 * case-sensitive by RFC 5321, so it is kept as typed).
 */
export function normalizeEmail(email: string): string {
  const trimmed = email.trim();
  const at = trimmed.lastIndexOf('@');
  if (at < 0) return trimmed;
  return `${trimmed.slice(0, at)}@${trimmed.slice(at + 1).toLowerCase()}`;
}
