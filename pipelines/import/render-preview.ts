import sharp from 'sharp'

export interface PreviewSeries {
  label: string
  unit: string
  times: readonly number[]
  values: readonly number[]
}

/**
 * Device pixels per CSS pixel: the images are drawn at twice the size they are shown, so they stay
 * sharp on high-DPI screens. Every size and font size below is in CSS pixels.
 */
export const PIXEL_RATIO = 2
/**
 * The dataset page's preview: as wide as the page's preview column at its widest (a 72rem page,
 * two columns; about 472 px on a 1024 px window), its fonts ≥ 14 px so that they stay ≥ 12 px there.
 */
export const PREVIEW_WIDTH = 544
/** The marketplace card's image box (12:5, the card's `aspect-ratio`; 300–460 px wide), fonts ≥ 15 px. */
export const THUMBNAIL_SIZE = { width: 360, height: 150 } as const
/** At most this many time buckets per plot, and at least this many readings per bucket on average. */
const MAX_BUCKETS = 480
const READINGS_PER_BUCKET = 2

const INK = '#24292f'
const MUTED = '#57606a'
const FONT = 'DejaVu Sans, sans-serif'

const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!)
const tick = (v: number): string => (Math.abs(v) >= 1000 ? v.toFixed(0) : Number(v.toPrecision(4)).toString())
/** A width estimate for DejaVu Sans (wide: about 0.62 em a character, 0.68 bold), enough to keep labels apart. */
const textWidth = (s: string, size: number, bold = false): number => [...s].length * size * (bold ? 0.68 : 0.62)
/** `s` cut with an ellipsis to fit `width`. */
function fit(s: string, width: number, size: number, bold = false): string {
  if (textWidth(s, size, bold) <= width) return s
  const chars = [...s]
  while (chars.length > 1 && textWidth(`${chars.join('')}…`, size, bold) > width) chars.pop()
  return `${chars.join('')}…`
}
const labelOf = (s: PreviewSeries): string => `${s.label}${s.unit !== '' ? ` (${s.unit})` : ''}`

/** The time span's ends, as short as they can be and still say what they mean (UTC). */
function spanLabels(t0: number, t1: number): [string, string] {
  const iso = (t: number): string => new Date(t * 1000).toISOString()
  const [a, b] = [iso(t0), iso(t1)]
  if (t1 - t0 >= 2 * 86_400) return [a.slice(0, 10), b.slice(0, 10)]
  const end = a.slice(0, 10) === b.slice(0, 10) ? b.slice(11, 16) : b.slice(5, 16).replace('T', ' ')
  return [a.slice(0, 16).replace('T', ' '), `${end} UTC`]
}

/**
 * The min–max envelope of a series' readings in time buckets, as the polygon of a plot: never the
 * readings themselves (a bucket holds on average at least READINGS_PER_BUCKET of them).
 */
function envelope(s: PreviewSeries, plot: { x: number; y: number; w: number; h: number }) {
  const t0 = s.times[0] ?? 0
  const t1 = s.times.at(-1) ?? t0 + 1
  let lo = Infinity
  let hi = -Infinity
  for (const v of s.values) {
    if (v < lo) lo = v
    if (v > hi) hi = v
  }
  if (!Number.isFinite(lo)) [lo, hi] = [0, 1]
  const [yLo, yHi] = hi === lo ? [lo - 1, hi + 1] : [lo, hi]
  const count = Math.max(1, Math.min(MAX_BUCKETS, Math.round(plot.w), Math.floor(s.values.length / READINGS_PER_BUCKET)))
  const buckets = new Array<[number, number] | undefined>(count)
  s.times.forEach((t, i) => {
    const b = Math.min(count - 1, Math.floor(((t - t0) / Math.max(1, t1 - t0)) * count))
    const v = s.values[i]!
    const cur = buckets[b]
    buckets[b] = cur === undefined ? [v, v] : [Math.min(cur[0], v), Math.max(cur[1], v)]
  })
  // A bucket spans [b, b + 1) of the plot's width: its envelope is drawn across it.
  const x = (b: number): number => plot.x + (b / count) * plot.w
  const y = (v: number): number => plot.y + plot.h - ((v - yLo) / (yHi - yLo)) * plot.h
  const upper: string[] = []
  const lower: string[] = []
  buckets.forEach((m, b) => {
    if (m === undefined) return
    const [l, r] = [x(b).toFixed(1), x(b + 1).toFixed(1)]
    upper.push(`${l},${y(m[1]).toFixed(1)}`, `${r},${y(m[1]).toFixed(1)}`)
    lower.unshift(`${r},${y(m[0]).toFixed(1)}`, `${l},${y(m[0]).toFixed(1)}`)
  })
  return { t0, t1, lo, hi, yLo, yHi, points: [...upper, ...lower].join(' ') }
}

const frame = (plot: { x: number; y: number; w: number; h: number }): string =>
  `<rect x="${plot.x}" y="${plot.y}" width="${plot.w}" height="${plot.h}" fill="#f7f9fb" stroke="#d0d7de"/>
  <line x1="${plot.x}" x2="${plot.x + plot.w}" y1="${plot.y + plot.h / 2}" y2="${plot.y + plot.h / 2}" stroke="#d0d7de" stroke-dasharray="3 3"/>`
const area = (points: string): string =>
  `<polygon points="${points}" fill="#2f81f7" fill-opacity="0.35" stroke="#1f6feb" stroke-width="1" stroke-linejoin="round"/>`

/** An SVG drawn at PIXEL_RATIO × its CSS size. */
const svgOf = (width: number, height: number, body: string): string =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="${width * PIXEL_RATIO}" height="${height * PIXEL_RATIO}" viewBox="0 0 ${width} ${height}" font-family="${FONT}">
  <rect width="100%" height="100%" fill="#ffffff"/>${body}
</svg>`

const png = async (svg: string): Promise<Uint8Array> =>
  new Uint8Array(await sharp(Buffer.from(svg)).png({ compressionLevel: 9 }).toBuffer())

const PANEL = { label: 24, plot: 110, below: 26 }

/** The dataset page's preview as SVG: the title, then a panel per series (see renderPreview). */
export function previewSvg(title: string, series: readonly PreviewSeries[]): string {
  const top0 = 34
  const height = top0 + series.length * (PANEL.label + PANEL.plot + PANEL.below) + 4
  const tickSize = 14
  const envelopes = series.map((s) => envelope(s, { x: 0, y: 0, w: PREVIEW_WIDTH, h: PANEL.plot }))
  // One left margin for every panel, wide enough for the longest value label.
  const labels = envelopes.flatMap((e) => [tick(e.yHi), tick((e.yLo + e.yHi) / 2), tick(e.yLo)])
  const left = Math.ceil(Math.min(120, Math.max(40, ...labels.map((l) => textWidth(l, tickSize))) + 12))
  const right = 12
  const plotW = PREVIEW_WIDTH - left - right
  const panels = series.map((s, k) => {
    const top = top0 + k * (PANEL.label + PANEL.plot + PANEL.below)
    const plot = { x: left, y: top + PANEL.label, w: plotW, h: PANEL.plot }
    const e = envelope(s, plot)
    const [from, to] = spanLabels(e.t0, e.t1)
    const head = `${labelOf(s)} · ${s.values.length} readings`
    return `
  <text x="${left}" y="${top + 17}" font-size="15" font-weight="bold" fill="${INK}">${esc(fit(head, plotW, 15, true))}</text>
  ${frame(plot)}
  ${area(e.points)}
  <text x="${left - 6}" y="${plot.y + 11}" font-size="${tickSize}" text-anchor="end" fill="${MUTED}">${tick(e.yHi)}</text>
  <text x="${left - 6}" y="${plot.y + plot.h / 2 + 5}" font-size="${tickSize}" text-anchor="end" fill="${MUTED}">${tick((e.yLo + e.yHi) / 2)}</text>
  <text x="${left - 6}" y="${plot.y + plot.h}" font-size="${tickSize}" text-anchor="end" fill="${MUTED}">${tick(e.yLo)}</text>
  <text x="${left}" y="${plot.y + plot.h + 18}" font-size="${tickSize}" fill="${MUTED}">${esc(from)}</text>
  <text x="${left + plotW}" y="${plot.y + plot.h + 18}" font-size="${tickSize}" text-anchor="end" fill="${MUTED}">${esc(to)}</text>`
  })
  const heading = `<text x="${left}" y="22" font-size="16" font-weight="bold" fill="${INK}">${esc(fit(title, PREVIEW_WIDTH - left - right, 16, true))}</text>`
  return svgOf(PREVIEW_WIDTH, height, `\n  ${heading}${panels.join('')}`)
}

/** The series a thumbnail shows: the one with the most readings (the first of those). */
export function thumbnailSeriesIndex(series: readonly PreviewSeries[]): number {
  let best = 0
  series.forEach((s, i) => {
    if (s.values.length > series[best]!.values.length) best = i
  })
  return best
}

/** The marketplace card's thumbnail as SVG (see renderThumbnail). */
export function thumbnailSvg(series: readonly PreviewSeries[]): string {
  const { width, height } = THUMBNAIL_SIZE
  const s = series[thumbnailSeriesIndex(series)]
  if (s === undefined) return svgOf(width, height, '')
  const size = 15
  const probe = envelope(s, { x: 0, y: 0, w: width, h: 1 })
  const left = Math.ceil(Math.min(110, Math.max(30, textWidth(tick(probe.yHi), size), textWidth(tick(probe.yLo), size)) + 12))
  const right = 10
  const plot = { x: left, y: 30, w: width - left - right, h: height - 30 - 28 }
  const e = envelope(s, plot)
  const more = series.length > 1 ? `+${series.length - 1} series` : ''
  const moreWidth = more === '' ? 0 : textWidth(more, size) + 12
  const [from, to] = spanLabels(e.t0, e.t1)
  return svgOf(
    width,
    height,
    `
  <text x="10" y="21" font-size="16" font-weight="bold" fill="${INK}">${esc(fit(labelOf(s), width - 20 - moreWidth, 16, true))}</text>
  ${more !== '' ? `<text x="${width - right}" y="21" font-size="${size}" text-anchor="end" fill="${MUTED}">${more}</text>` : ''}
  ${frame(plot)}
  ${area(e.points)}
  <text x="${left - 6}" y="${plot.y + 12}" font-size="${size}" text-anchor="end" fill="${MUTED}">${tick(e.yHi)}</text>
  <text x="${left - 6}" y="${plot.y + plot.h}" font-size="${size}" text-anchor="end" fill="${MUTED}">${tick(e.yLo)}</text>
  <text x="${left}" y="${height - 8}" font-size="${size}" fill="${MUTED}">${esc(from)}</text>
  <text x="${width - right}" y="${height - 8}" font-size="${size}" text-anchor="end" fill="${MUTED}">${esc(to)}</text>`,
  )
}

/**
 * A PNG preview of a dataset for its page: one panel per series, each the min–max envelope of the
 * readings in time buckets (so a preview shows the shape, not the readings), with the value range
 * and the time span; PREVIEW_WIDTH CSS pixels wide, drawn at PIXEL_RATIO. Public: it is stored
 * unencrypted and linked from the manifest.
 */
export function renderPreview(title: string, series: readonly PreviewSeries[]): Promise<Uint8Array> {
  return png(previewSvg(title, series))
}

/**
 * The marketplace card's PNG thumbnail: one series (the one with the most readings), its name and
 * unit, value range and time span, as the same envelope of buckets; THUMBNAIL_SIZE CSS pixels (the
 * card's image box) drawn at PIXEL_RATIO. Public, like the preview.
 */
export function renderThumbnail(series: readonly PreviewSeries[]): Promise<Uint8Array> {
  return png(thumbnailSvg(series))
}
