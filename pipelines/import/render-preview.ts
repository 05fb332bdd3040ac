import sharp from 'sharp'

export interface PreviewSeries {
  label: string
  unit: string
  times: readonly number[]
  values: readonly number[]
}

const WIDTH = 960
const PANEL = 150
const MARGIN = { left: 70, right: 20, top: 34, bottom: 22 }
const BUCKETS = 480

const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!)
const tick = (v: number): string => (Math.abs(v) >= 1000 ? v.toFixed(0) : Number(v.toPrecision(4)).toString())

/**
 * A PNG preview of a dataset: one panel per series, each the min–max envelope of the readings in
 * 480 time buckets (so a preview shows the shape, not the readings), with the value range and the
 * time span. Public: it is stored unencrypted and linked from the manifest.
 */
export async function renderPreview(title: string, series: readonly PreviewSeries[]): Promise<Uint8Array> {
  const height = MARGIN.top + series.length * (PANEL + MARGIN.bottom) + 10
  const plotW = WIDTH - MARGIN.left - MARGIN.right
  const panels = series.map((s, k) => {
    const top = MARGIN.top + k * (PANEL + MARGIN.bottom)
    const t0 = s.times[0] ?? 0
    const t1 = s.times.at(-1) ?? t0 + 1
    let lo = Infinity
    let hi = -Infinity
    for (const v of s.values) {
      if (v < lo) lo = v
      if (v > hi) hi = v
    }
    if (!Number.isFinite(lo)) [lo, hi] = [0, 1]
    if (hi === lo) [lo, hi] = [lo - 1, hi + 1]
    const buckets = new Array<[number, number] | undefined>(BUCKETS)
    s.times.forEach((t, i) => {
      const b = Math.min(BUCKETS - 1, Math.floor(((t - t0) / Math.max(1, t1 - t0)) * BUCKETS))
      const v = s.values[i]!
      const cur = buckets[b]
      buckets[b] = cur === undefined ? [v, v] : [Math.min(cur[0], v), Math.max(cur[1], v)]
    })
    const x = (b: number): number => MARGIN.left + (b / (BUCKETS - 1)) * plotW
    const y = (v: number): number => top + PANEL - ((v - lo) / (hi - lo)) * PANEL
    const upper: string[] = []
    const lower: string[] = []
    buckets.forEach((m, b) => {
      if (m === undefined) return
      upper.push(`${x(b).toFixed(1)},${y(m[1]).toFixed(1)}`)
      lower.unshift(`${x(b).toFixed(1)},${y(m[0]).toFixed(1)}`)
    })
    const day = (t: number): string => new Date(t * 1000).toISOString().slice(0, 16).replace('T', ' ')
    return `
  <rect x="${MARGIN.left}" y="${top}" width="${plotW}" height="${PANEL}" fill="#f7f9fb" stroke="#d0d7de"/>
  <polygon points="${[...upper, ...lower].join(' ')}" fill="#2f81f7" fill-opacity="0.35" stroke="#1f6feb" stroke-width="1"/>
  <text x="${MARGIN.left + 6}" y="${top + 16}" font-size="13" font-weight="bold" fill="#24292f">${esc(s.label)}${s.unit ? ` (${esc(s.unit)})` : ''} · ${s.values.length} readings</text>
  <text x="${MARGIN.left - 6}" y="${top + 10}" font-size="11" text-anchor="end" fill="#57606a">${tick(hi)}</text>
  <text x="${MARGIN.left - 6}" y="${top + PANEL}" font-size="11" text-anchor="end" fill="#57606a">${tick(lo)}</text>
  <text x="${MARGIN.left}" y="${top + PANEL + 15}" font-size="11" fill="#57606a">${day(t0)} UTC</text>
  <text x="${WIDTH - MARGIN.right}" y="${top + PANEL + 15}" font-size="11" text-anchor="end" fill="#57606a">${day(t1)} UTC</text>`
  })
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" font-family="DejaVu Sans, sans-serif">
  <rect width="100%" height="100%" fill="#ffffff"/>
  <text x="${MARGIN.left}" y="22" font-size="16" font-weight="bold" fill="#24292f">${esc(title)}</text>${panels.join('')}
</svg>`
  return new Uint8Array(await sharp(Buffer.from(svg)).png({ compressionLevel: 9 }).toBuffer())
}
