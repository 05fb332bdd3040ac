// The dataset page's chart of the proven summary: per batch, the min–max band and the mean that
// the batch proof states (verified in this browser), as inline SVG drawn at the width it is shown.
// Keyboard: the chart is one tab stop; arrow keys, Home/End and PageUp/PageDown move between its
// batches, each with an accessible name, and a table gives the same values as text.
import type { ProvenBatchSummary } from '../../../circuits/index.js'
import type { Manifest } from '../../../core/index.js'
import { field, h, uid } from '../dom.js'
import { deviceName, formatDate, formatNumber } from '../format.js'

const SVG = 'http://www.w3.org/2000/svg'
const HEIGHT = 260
const MARGIN = { top: 12, right: 16, bottom: 34, left: 12 }
/** Font size of the axis labels in CSS pixels (the SVG is drawn at its displayed size, not scaled). */
const FONT = 12

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number>,
  ...children: Node[]
): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag)
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v))
  el.append(...children)
  return el
}

/** About five round values covering [lo, hi] (1, 2 or 5 × a power of ten apart). */
function valueTicks(lo: number, hi: number, count = 5): number[] {
  const raw = (hi - lo) / Math.max(1, count)
  const power = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power
  const ticks: number[] = []
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)))
  return ticks
}

const TIME_STEPS = [
  60,
  300,
  900,
  1800,
  3600,
  3 * 3600,
  6 * 3600,
  12 * 3600,
  86_400,
  2 * 86_400,
  7 * 86_400,
  30 * 86_400,
  91 * 86_400,
  365 * 86_400,
]

/** Round times (UTC) at most `count` apart across [t0, t1], with their labels. */
function timeTicks(t0: number, t1: number, count: number): Array<{ t: number; label: string }> {
  const step = TIME_STEPS.find((s) => (t1 - t0) / s <= count) ?? TIME_STEPS.at(-1)!
  const iso = (t: number): string => new Date(t * 1000).toISOString()
  const ticks: Array<{ t: number; label: string }> = []
  for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step)
    ticks.push({ t, label: step >= 86_400 ? iso(t).slice(0, 10) : iso(t).slice(11, 16) })
  return ticks
}

const unitOf = (s: Manifest['series'][number]): string => (s.unit !== '' ? ` ${s.unit}` : '')

/** A time span in words: `2026-01-01 00:00–00:15 UTC`, the date again only when it changes. */
function span(t0: number, t1: number): string {
  const [a, b] = [formatDate(t0), formatDate(t1)]
  return a.slice(0, 10) === b.slice(0, 10) ? `${a.slice(0, -4)}–${b.slice(11)}` : `${a.slice(0, -4)} to ${b}`
}

/** A batch in words: its accessible name, its tooltip and its table row say the same. */
function describe(b: ProvenBatchSummary, s: Manifest['series'][number]): string {
  const v = (x: number): string => formatNumber(x, Math.max(2, s.scale))
  return `Batch ${b.batch}: ${span(b.firstTime, b.lastTime)}, ${formatNumber(b.count)} readings, mean ${v(b.mean)}${unitOf(s)}, min ${v(b.min)}, max ${v(b.max)}`
}

/** The chart of one series' batches, drawn `width` CSS pixels wide; `focus` is the batch that takes the tab stop. */
function drawSeries(
  batches: readonly ProvenBatchSummary[],
  s: Manifest['series'][number],
  width: number,
  label: string,
  active: number,
): SVGSVGElement {
  const t0 = Math.min(...batches.map((b) => b.firstTime))
  const t1 = Math.max(...batches.map((b) => b.lastTime))
  const [tLo, tHi] = t1 > t0 ? [t0, t1] : [t0 - 30, t1 + 30]
  let lo = Math.min(...batches.map((b) => b.min))
  let hi = Math.max(...batches.map((b) => b.max))
  if (hi === lo) [lo, hi] = [lo - 1, hi + 1]
  const pad = (hi - lo) * 0.06
  ;[lo, hi] = [lo - pad, hi + pad]
  const ticks = valueTicks(lo, hi)
  const tickText = (v: number): string => formatNumber(v, 6)
  const left = MARGIN.left + Math.max(...ticks.map((t) => tickText(t).length)) * FONT * 0.62 + 6
  const plot = { x: left, y: MARGIN.top, w: Math.max(40, width - left - MARGIN.right), h: HEIGHT - MARGIN.top - MARGIN.bottom }
  const x = (t: number): number => plot.x + ((t - tLo) / (tHi - tLo)) * plot.w
  const y = (v: number): number => plot.y + plot.h - ((v - lo) / (hi - lo)) * plot.h
  const root = svg('svg', {
    width,
    height: HEIGHT,
    viewBox: `0 0 ${width} ${HEIGHT}`,
    role: 'group',
    'aria-label': label,
    class: 'summary-svg',
    // Chromium would make the drawing itself a tab stop: its batches are the one stop.
    tabindex: -1,
  })
  root.append(svg('rect', { class: 'plot', x: plot.x, y: plot.y, width: plot.w, height: plot.h }))
  for (const v of ticks) {
    root.append(svg('line', { class: 'grid', x1: plot.x, x2: plot.x + plot.w, y1: y(v), y2: y(v) }))
    root.append(
      svg('text', { class: 'tick', x: plot.x - 6, y: y(v) + FONT / 3, 'text-anchor': 'end' }, document.createTextNode(tickText(v))),
    )
  }
  const times = timeTicks(tLo, tHi, Math.max(2, Math.floor(plot.w / 110)))
  for (const { t, label: text } of times) {
    root.append(svg('line', { class: 'grid', x1: x(t), x2: x(t), y1: plot.y, y2: plot.y + plot.h }))
    root.append(
      svg('text', { class: 'tick', x: x(t), y: plot.y + plot.h + FONT + 4, 'text-anchor': 'middle' }, document.createTextNode(text)),
    )
  }
  root.append(
    svg(
      'text',
      { class: 'tick', x: plot.x + plot.w, y: HEIGHT - 4, 'text-anchor': 'end' },
      document.createTextNode(`time (UTC)${times.length > 0 && times[0]!.label.length <= 5 ? `, ${formatDate(tLo).slice(0, 10)}` : ''}`),
    ),
  )
  // The band: each batch's proven [min, max] across its own time span.
  const bands = svg('g', { class: 'bands', 'aria-hidden': 'true' })
  for (const [i, b] of batches.entries()) {
    const [x0, x1] = [x(b.firstTime), x(b.lastTime)]
    const [yTop, yBottom] = [y(b.max), y(b.min)]
    bands.append(
      svg('rect', {
        class: 'band',
        x: Math.min(x0, x1 - 2),
        y: Math.min(yTop, yBottom - 2),
        width: Math.max(2, x1 - x0),
        height: Math.max(2, yBottom - yTop),
        'data-index': i,
      }),
    )
  }
  const mid = (b: ProvenBatchSummary): number => x((b.firstTime + b.lastTime) / 2)
  const line = svg('polyline', {
    class: 'mean',
    points: batches.map((b) => `${mid(b).toFixed(1)},${y(b.mean).toFixed(1)}`).join(' '),
    'aria-hidden': 'true',
  })
  const points = svg('g', { class: 'points' })
  batches.forEach((b, i) => {
    points.append(
      svg('circle', {
        class: 'point',
        cx: mid(b),
        cy: y(b.mean),
        r: 4.5,
        tabindex: i === active ? 0 : -1,
        role: 'img',
        'aria-label': describe(b, s),
        'data-batch': b.batch,
        'data-index': i,
      }),
    )
  })
  root.append(bands, line, points)
  return root
}

/**
 * The proven summary of a dataset: a chart per series (one shown, picked when there are several)
 * of each batch's proven min–max band and mean over time, with a caption summing it up and the
 * values as a table. `summaries` are what the verified proofs state (ProofsResult.summaries).
 */
export function summaryChart(manifest: Manifest, summaries: readonly ProvenBatchSummary[][], signal: AbortSignal): HTMLElement {
  const captionId = uid('summary-caption')
  const caption = h('figcaption', { id: captionId, 'data-testid': 'summary-caption' })
  const wrap = h('div', { class: 'chart-wrap' })
  const tooltip = h('div', { class: 'chart-tooltip', 'aria-hidden': 'true', hidden: true })
  const table = h('div', { class: 'table-wrap' })
  let series = summaries.findIndex((b) => b.length > 0)
  let active = 0
  let width = 0

  const named = (i: number): string => {
    const s = manifest.series[i]!
    return `${s.metric}${s.unit !== '' ? ` (${s.unit})` : ''}`
  }
  const pointsOf = (): SVGCircleElement[] => [...wrap.querySelectorAll<SVGCircleElement>('circle.point')]
  const showTip = (point: SVGCircleElement): void => {
    const box = wrap.getBoundingClientRect()
    const at = point.getBoundingClientRect()
    tooltip.textContent = point.getAttribute('aria-label')
    tooltip.hidden = false
    const x = at.left + at.width / 2 - box.left
    const y = at.top - box.top
    // Kept inside the chart: beside the point on the side with room, above it unless it is near the top.
    const dx = x < box.width / 3 ? '-12px' : x > (2 * box.width) / 3 ? 'calc(-100% + 12px)' : '-50%'
    const dy = y < 70 ? `${at.height + 10}px` : 'calc(-100% - 10px)'
    tooltip.style.left = `${x}px`
    tooltip.style.top = `${y}px`
    tooltip.style.transform = `translate(${dx}, ${dy})`
  }
  const hideTip = (): void => {
    tooltip.hidden = true
  }
  const draw = (): void => {
    const batches = summaries[series] ?? []
    if (batches.length === 0 || width <= 0) return
    const s = manifest.series[series]!
    const hadFocus = wrap.contains(document.activeElement)
    const chart = drawSeries(
      batches,
      s,
      width,
      `Proven batch means of ${named(series)} with each batch’s min–max band, ${batches.length} batches; arrow keys move between batches`,
      active,
    )
    chart.setAttribute('aria-describedby', captionId)
    chart.addEventListener('keydown', (e) => {
      const moves: Record<string, number> = {
        ArrowRight: active + 1,
        ArrowUp: active + 1,
        ArrowLeft: active - 1,
        ArrowDown: active - 1,
        PageUp: active + 10,
        PageDown: active - 10,
        Home: 0,
        End: batches.length - 1,
      }
      if (e.key === 'Escape') return hideTip()
      const next = moves[e.key]
      if (next === undefined) return
      e.preventDefault()
      focusPoint(Math.max(0, Math.min(batches.length - 1, next)))
    })
    chart.addEventListener('focusin', (e) => {
      const point = e.target as Element
      if (!point.classList.contains('point')) return
      active = Number(point.getAttribute('data-index'))
      for (const p of pointsOf()) p.setAttribute('tabindex', p === point ? '0' : '-1')
      showTip(point as SVGCircleElement)
    })
    chart.addEventListener('focusout', hideTip)
    // A pointer over a batch's band or point shows that batch (the points alone are small targets).
    const batchAt = (target: EventTarget | null): SVGCircleElement | undefined => {
      const el = target as Element
      return el.classList.contains('point') || el.classList.contains('band') ? pointsOf()[Number(el.getAttribute('data-index'))] : undefined
    }
    chart.addEventListener('pointerover', (e) => {
      const point = batchAt(e.target)
      if (point !== undefined) showTip(point)
    })
    chart.addEventListener('pointerout', (e) => {
      if (batchAt(e.target) !== undefined && !wrap.contains(document.activeElement)) hideTip()
    })
    wrap.replaceChildren(chart, tooltip)
    hideTip()
    if (hadFocus) focusPoint(active)
  }
  const focusPoint = (i: number): void => {
    active = i
    pointsOf()[i]?.focus()
  }
  const describeSeries = (): void => {
    const batches = summaries[series] ?? []
    const s = manifest.series[series]!
    const v = (x: number): string => formatNumber(x, Math.max(2, s.scale))
    const means = batches.map((b) => b.mean)
    caption.textContent =
      batches.length === 0
        ? `${named(series)}: no proven batch.`
        : `${named(series)}, ${deviceName(
            manifest.devices.find((d) => d.deviceId === s.deviceId),
            s.deviceId,
          )}: ${batches.length} proven batch${batches.length === 1 ? '' : 'es'} from ${formatDate(batches[0]!.firstTime)} to ${formatDate(
            batches.at(-1)!.lastTime,
          )}; batch means from ${v(Math.min(...means))} to ${v(Math.max(...means))}${unitOf(s)}, readings between ${v(
            Math.min(...batches.map((b) => b.min)),
          )} and ${v(Math.max(...batches.map((b) => b.max)))}${unitOf(s)}.`
    const cell = (x: number): HTMLElement => h('td', null, v(x))
    table.replaceChildren(
      h(
        'table',
        { 'data-testid': 'summary-table' },
        h('caption', null, `Proven values per batch of ${named(series)}`),
        h(
          'thead',
          null,
          h('tr', null, ...['Batch', 'From', 'To', 'Readings', 'Min', 'Mean', 'Max'].map((c) => h('th', { scope: 'col' }, c))),
        ),
        h(
          'tbody',
          null,
          ...batches.map((b) =>
            h(
              'tr',
              null,
              h('th', { scope: 'row' }, String(b.batch)),
              h('td', null, formatDate(b.firstTime)),
              h('td', null, formatDate(b.lastTime)),
              h('td', null, formatNumber(b.count)),
              cell(b.min),
              cell(b.mean),
              cell(b.max),
            ),
          ),
        ),
      ),
    )
  }

  const picker =
    manifest.series.length > 1
      ? field(
          'Series',
          h(
            'select',
            {
              'data-testid': 'summary-series',
              onChange: (e: Event) => {
                series = Number((e.target as HTMLSelectElement).value)
                active = 0
                describeSeries()
                draw()
              },
            },
            ...manifest.series.map((s, i) =>
              h(
                'option',
                { value: String(i), selected: i === series },
                `${named(i)} · ${deviceName(
                  manifest.devices.find((d) => d.deviceId === s.deviceId),
                  s.deviceId,
                )}`,
              ),
            ),
          ),
        )
      : null
  if (series < 0) return h('p', null, 'No proven batch to draw.')
  describeSeries()
  // Drawn at the width it is shown (so its labels are 12 px on any screen), again when that changes.
  const resized = new ResizeObserver(([entry]) => {
    const w = Math.floor(entry?.contentRect.width ?? 0)
    if (w === width || w <= 0) return
    width = w
    draw()
  })
  resized.observe(wrap)
  signal.addEventListener('abort', () => resized.disconnect(), { once: true })
  return h(
    'div',
    { class: 'summary-chart', 'data-testid': 'summary-chart' },
    h(
      'p',
      { class: 'hint', 'data-testid': 'summary-note' },
      'Only what the batch proofs your browser just verified state: each batch’s number of readings, time span, minimum, maximum and mean (its proven sum ÷ count). No reading itself is shown, or published before purchase.',
    ),
    picker,
    h('figure', null, wrap, caption),
    h('details', null, h('summary', null, 'The same values as a table'), table),
  )
}
