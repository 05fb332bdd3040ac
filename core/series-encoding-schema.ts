import { z } from 'zod'

/**
 * What names a series' metric and how its readings are encoded, as manifests and signed batches
 * both state it: encoded = round(value · 10^scale) + offset, in [0, 2^32).
 */
export const seriesEncodingShape = {
  metric: z.string().min(1).max(100),
  unit: z.string().max(40),
  scale: z.number().int().min(0).max(9),
  offset: z
    .number()
    .int()
    .min(0)
    .max(2 ** 32 - 1),
}
