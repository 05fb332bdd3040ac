/**
 * The quality score of a dataset, per series and overall (0–100). Every component is a share in
 * [0, 1] (1 = perfect), defined in docs/formats-and-protocol.md ("Quality report"); the score is their weighted mean
 * over the components that apply. Validity (readings inside the physical range) and the largest
 * gap are taken from the batch proofs when given, so those parts are proven rather than claimed.
 */

/** Weights of the components (they need not sum to anything: the score divides by their sum). */
export const QUALITY_WEIGHTS = {
  completeness: 25,
  gaps: 10,
  duplicates: 5,
  validity: 20,
  outliers: 10,
  stuck: 10,
  signatures: 10,
  agreement: 10,
} as const

export type QualityComponent = keyof typeof QUALITY_WEIGHTS

/** A series as the quality score sees it: times (unix seconds, increasing) and decoded values. */
export interface QualityInput {
  key: string
  device: string
  metric: string
  times: readonly number[]
  values: readonly number[]
  /** Readings dropped at import for repeating a timestamp. */
  duplicates: number
  validRange?: readonly [number, number]
  /** Whether the readings carry the device's own signatures (false: signed by the owner's gateway key). */
  deviceSigned: boolean
  /** From the batch proofs: readings inside validRange, and the largest gap in seconds. */
  proven?: { inRange: number; maxGap: number }
}

export interface ComponentResult {
  /** Share in [0, 1]; 1 is perfect. */
  score: number
  /** What was measured, in words a seller can act on. */
  detail: string
  /** True when it comes from the batch proofs. */
  proven?: boolean
}

export interface SeriesQuality {
  key: string
  device: string
  metric: string
  score: number
  medianInterval: number
  components: Partial<Record<QualityComponent, ComponentResult>>
}

export interface QualityReport {
  version: 1
  /** 0–100, the readings-weighted mean of the series scores. */
  score: number
  weights: typeof QUALITY_WEIGHTS
  series: SeriesQuality[]
  /** Who signed the batches: the devices' own keys, the owner's gateway key, or both. */
  signedBy: 'devices' | 'gateway' | 'mixed'
}

/** |robust z| above this is an outlier (Iglewicz & Hoaglin). */
const OUTLIER_Z = 3.5
/** A flatline: at least this many equal readings in a row, spanning at least STUCK_SPAN seconds. */
const STUCK_RUN = 12
const STUCK_SPAN = 2 * 3600
/** A gap: an interval longer than this many median intervals. */
const GAP_FACTOR = 3

const median = (xs: readonly number[]): number => {
  if (xs.length === 0) return 0
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}
const pct = (x: number): string => `${(100 * x).toFixed(2)}%`
const clamp01 = (x: number): number => Math.min(1, Math.max(0, x))

/** Scores each series and the dataset. */
export function scoreQuality(series: readonly QualityInput[]): QualityReport {
  const results = series.map((s) => scoreSeries(s, series))
  const weightOf = (i: number): number => Math.max(1, series[i]!.times.length)
  const total = results.reduce((sum, r, i) => sum + r.score * weightOf(i), 0)
  const signed = series.map((s) => s.deviceSigned)
  return {
    version: 1,
    score: round2(total / results.reduce((sum, _r, i) => sum + weightOf(i), 0)),
    weights: QUALITY_WEIGHTS,
    series: results,
    signedBy: signed.every(Boolean) ? 'devices' : signed.some(Boolean) ? 'mixed' : 'gateway',
  }
}

function round2(x: number): number {
  return Math.round(x * 100) / 100
}

function scoreSeries(s: QualityInput, all: readonly QualityInput[]): SeriesQuality {
  const n = s.times.length
  const intervals = s.times.slice(1).map((t, i) => t - s.times[i]!)
  const step = median(intervals)
  const span = n > 1 ? s.times[n - 1]! - s.times[0]! : 0
  const c: SeriesQuality['components'] = {}

  if (n > 1 && step > 0) {
    const expected = Math.floor(span / step) + 1
    c.completeness = { score: clamp01(n / expected), detail: `${n} of ${expected} readings expected at the median interval of ${step} s` }
    const long = intervals.filter((d) => d > GAP_FACTOR * step)
    const lost = long.reduce((sum, d) => sum + (d - step), 0)
    const widest = s.proven?.maxGap ?? Math.max(0, ...intervals)
    c.gaps = {
      score: clamp01(1 - lost / span),
      detail: `${long.length} gaps longer than ${GAP_FACTOR}× the median interval, ${pct(lost / span)} of the time span; largest gap ${widest} s`,
      ...(s.proven !== undefined ? { proven: true } : {}),
    }
  }
  c.duplicates = {
    score: clamp01(1 - s.duplicates / (n + s.duplicates)),
    detail: `${s.duplicates} readings repeated an earlier timestamp and were dropped`,
  }
  if (s.validRange !== undefined) {
    const [lo, hi] = s.validRange
    const inside = s.proven?.inRange ?? s.values.filter((v) => v >= lo && v <= hi).length
    c.validity = {
      score: n === 0 ? 0 : inside / n,
      detail: `${inside} of ${n} readings inside the valid range [${lo}, ${hi}]`,
      ...(s.proven !== undefined ? { proven: true } : {}),
    }
  }
  if (n >= 3) {
    const m = median(s.values)
    const mad = median(s.values.map((v) => Math.abs(v - m)))
    // With a zero MAD (mostly constant series) the mean absolute deviation stands in (scaled to σ).
    const spread = mad > 0 ? mad / 0.6745 : (1.2533 * s.values.reduce((sum, v) => sum + Math.abs(v - m), 0)) / n
    const outliers = spread > 0 ? s.values.filter((v) => Math.abs(v - m) / spread > OUTLIER_Z).length : 0
    c.outliers = { score: 1 - outliers / n, detail: `${outliers} readings with a robust z-score above ${OUTLIER_Z}` }
    let stuck = 0
    for (let i = 0; i < n;) {
      let j = i
      while (j + 1 < n && s.values[j + 1] === s.values[i]) j++
      const atBound = s.validRange !== undefined && (s.values[i] === s.validRange[0] || s.values[i] === s.validRange[1])
      if (j - i + 1 >= STUCK_RUN && s.times[j]! - s.times[i]! >= STUCK_SPAN && !atBound) stuck += j - i + 1
      i = j + 1
    }
    c.stuck = {
      score: 1 - stuck / n,
      detail: `${stuck} readings in flat runs (≥ ${STUCK_RUN} equal readings over ≥ ${STUCK_SPAN / 3600} h, not at a range bound)`,
    }
  }
  c.signatures = {
    score: s.deviceSigned ? 1 : 0,
    detail: s.deviceSigned ? 'signed by the device’s own key' : 'signed by the owner’s gateway key (the file carried no device signatures)',
  }
  const agreement = agreementWith(s, all, step)
  if (agreement !== undefined) c.agreement = agreement

  let weighted = 0
  let weights = 0
  for (const [name, r] of Object.entries(c) as [QualityComponent, ComponentResult][]) {
    weighted += QUALITY_WEIGHTS[name] * r.score
    weights += QUALITY_WEIGHTS[name]
  }
  return { key: s.key, device: s.device, metric: s.metric, score: round2((100 * weighted) / weights), medianInterval: step, components: c }
}

/**
 * Cross-device agreement: readings of the same metric by other devices within half a median
 * interval are paired; a pair agrees when the difference is within max(5% of the series'
 * interquartile range, the metric's smallest step). Undefined when no other device overlaps.
 */
function agreementWith(s: QualityInput, all: readonly QualityInput[], step: number): ComponentResult | undefined {
  const others = all.filter((o) => o.metric === s.metric && o.device !== s.device && o.times.length > 0)
  if (others.length === 0 || s.times.length === 0) return undefined
  const sorted = [...s.values].sort((a, b) => a - b)
  const iqr = sorted[Math.floor(0.75 * (sorted.length - 1))]! - sorted[Math.floor(0.25 * (sorted.length - 1))]!
  const stepSize = sorted.slice(1).reduce((m, v, i) => (v > sorted[i]! && v - sorted[i]! < m ? v - sorted[i]! : m), Infinity)
  const tolerance = Math.max(0.05 * iqr, Number.isFinite(stepSize) ? stepSize : 0)
  const window = Math.max(1, step / 2)
  let pairs = 0
  let agree = 0
  for (const o of others) {
    let j = 0
    for (let i = 0; i < s.times.length; i++) {
      const t = s.times[i]!
      while (j + 1 < o.times.length && Math.abs(o.times[j + 1]! - t) <= Math.abs(o.times[j]! - t)) j++
      if (Math.abs(o.times[j]! - t) > window) continue
      pairs++
      if (Math.abs(o.values[j]! - s.values[i]!) <= tolerance) agree++
    }
  }
  if (pairs === 0) return undefined
  return {
    score: agree / pairs,
    detail: `${agree} of ${pairs} readings paired in time with another device agree within ${Number(tolerance.toPrecision(3))}`,
  }
}
