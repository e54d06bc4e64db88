import { z } from 'zod';
import type { SourceMaskingHealth } from './source-masking-health.js';

const count = z.number().int().min(0).max(1_000_000);
const schema = z
  .object({
    state: z.enum(['not_applicable', 'unchecked', 'in_place', 'not_in_place', 'unverified', 'check_failed', 'nothing_to_mask']),
    checkedAt: z.iso.datetime().optional(),
    columns: z.object({ total: count, masked: count, unmasked: count, unverified: count }).strict().optional(),
    error: z.string().regex(/^[A-Za-z0-9_]{1,40}$/).optional(),
    warning: z.string().max(500).optional(),
  })
  .strict();

/**
 * A kept `SourceMaskingHealth` read back from storage, checked field by field (known state, whole counts, a
 * code-shaped error): anything else is null, so a damaged item never reaches `GET /v1/health` as it stands.
 *
 * @example parseSourceMaskingHealth(JSON.parse(text)) // { state: 'not_in_place', columns: { … }, warning: '…' } or null
 */
export function parseSourceMaskingHealth(value: unknown): SourceMaskingHealth | null {
  const r = schema.safeParse(value);
  if (!r.success) return null;
  const h = r.data;
  return {
    state: h.state,
    ...(h.checkedAt === undefined ? {} : { checkedAt: h.checkedAt }),
    ...(h.columns === undefined ? {} : { columns: h.columns }),
    ...(h.error === undefined ? {} : { error: h.error }),
    ...(h.warning === undefined ? {} : { warning: h.warning }),
  };
}
