/** The representations a negotiated route can answer in (docs/http-api.md, Conventions). */
export const MEDIA_TYPES = {
  json: 'application/json',
  xml: 'application/xml',
  protobuf: 'application/x-protobuf',
} as const;
export type Representation = keyof typeof MEDIA_TYPES;

interface AcceptRange {
  type: string;
  subtype: string;
  q: number;
}

function parseAccept(header: string): AcceptRange[] {
  return header
    .split(',')
    .map((part) => {
      const [range = '', ...params] = part.trim().split(';');
      const [type = '', subtype = ''] = range.trim().toLowerCase().split('/');
      const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      const q = qParam === undefined ? 1 : Number(qParam.slice(2));
      return { type, subtype, q: Number.isFinite(q) ? Math.min(Math.max(q, 0), 1) : 0 };
    })
    .filter((range) => range.type !== '' && range.subtype !== '');
}

function matches(range: AcceptRange, mediaType: string): boolean {
  const [type, subtype] = mediaType.split('/');
  return (range.type === '*' || range.type === type) && (range.subtype === '*' || range.subtype === subtype);
}

function specificity(range: AcceptRange): number {
  return (range.type === '*' ? 0 : 1) + (range.subtype === '*' ? 0 : 1);
}

/**
 * RFC 9110 proactive negotiation: the offered representation with the highest quality in
 * `Accept` (the most specific matching range decides a type's quality; ties go to the
 * server's order, JSON first). No header means JSON; nothing acceptable means undefined (406).
 */
export function chooseRepresentation(
  accept: string | undefined,
  offered: readonly Representation[],
): Representation | undefined {
  if (accept === undefined || accept.trim() === '') return offered[0];
  const ranges = parseAccept(accept);
  let best: { representation: Representation; q: number } | undefined;
  for (const representation of offered) {
    const applicable = ranges
      .filter((range) => matches(range, MEDIA_TYPES[representation]))
      .sort((a, b) => specificity(b) - specificity(a))[0];
    if (!applicable || applicable.q <= 0) continue;
    if (!best || applicable.q > best.q) best = { representation, q: applicable.q };
  }
  return best?.representation;
}
