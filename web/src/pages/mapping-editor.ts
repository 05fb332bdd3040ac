import type { ImportMapping } from '../../../core/index.js'
import type { MappingPreview } from '../../../sdk/index.js'
import { field, h } from '../dom.js'

export type { MappingPreview }

const num = (v: string): number | undefined => (v.trim() === '' ? undefined : Number(v))

/**
 * The inferred mapping as an editable form: timestamp, device, and per metric whether it is
 * published, its name, unit, decimals and valid range. `read()` gives the edited mapping.
 */
export function mappingEditor(preview: MappingPreview): { el: HTMLElement; read(): ImportMapping } {
  const m = preview.mapping!
  const tsColumns = h('input', { value: m.timestamp.columns.join(', '), 'data-testid': 'ts-columns' })
  const tsFormat = h('input', { value: m.timestamp.format })
  const tsZone = h('input', { value: m.timestamp.timeZone })
  const deviceColumn = 'column' in m.device ? m.device.column : ''
  const deviceMode = h(
    'select',
    null,
    h('option', { value: 'fixed', selected: deviceColumn === '' }, 'One device for the whole file'),
    ...preview.columns.map((c) => h('option', { value: `column:${c}`, selected: c === deviceColumn }, `Column “${c}”`)),
  )
  const deviceLabel = h('input', { value: 'fixed' in m.device ? m.device.fixed : 'device-1' })
  // Every other column can be added too (unchecked): the inference skips e.g. 0/1 labels.
  const used = new Set([...m.timestamp.columns, ...('column' in m.device ? [m.device.column] : []), ...m.metrics.map((x) => x.column)])
  const candidates: Array<{ metric: ImportMapping['metrics'][number]; on: boolean }> = [
    ...m.metrics.map((metric) => ({ metric, on: true })),
    ...preview.columns.filter((c) => !used.has(c)).map((column) => ({ metric: { column, unit: '' }, on: false })),
  ]
  const metricRows = candidates.map(({ metric, on }) => {
    const include = h('input', {
      type: 'checkbox',
      checked: on,
      'aria-label': `Publish ${metric.column}`,
      'data-testid': `include-${metric.column}`,
    })
    const name = h('input', { value: metric.name ?? metric.column, 'aria-label': `Name of ${metric.column}`, size: 12 })
    const unit = h('input', { value: metric.unit, 'aria-label': `Unit of ${metric.column}`, size: 6 })
    const scale = h('input', {
      type: 'number',
      min: 0,
      max: 9,
      value: metric.scale ?? '',
      'aria-label': `Decimals of ${metric.column}`,
      size: 3,
    })
    const lo = h('input', {
      type: 'number',
      step: 'any',
      value: metric.validRange?.[0] ?? '',
      'aria-label': `Lowest valid ${metric.column}`,
      size: 6,
    })
    const hi = h('input', {
      type: 'number',
      step: 'any',
      value: metric.validRange?.[1] ?? '',
      'aria-label': `Highest valid ${metric.column}`,
      size: 6,
    })
    const row = h(
      'tr',
      null,
      h('td', null, include),
      h('th', { scope: 'row' }, metric.column),
      h('td', null, name),
      h('td', null, unit),
      h('td', null, scale),
      h('td', null, h('span', { class: 'range' }, lo, '–', hi)),
    )
    return {
      row,
      read: (): ImportMapping['metrics'][number] | undefined => {
        if (!include.checked) return undefined
        const range =
          num(lo.value) !== undefined && num(hi.value) !== undefined
            ? { validRange: [num(lo.value)!, num(hi.value)!] as [number, number] }
            : {}
        const decimals = num(scale.value)
        return {
          column: metric.column,
          name: name.value.trim() || metric.column,
          unit: unit.value.trim(),
          ...(decimals !== undefined ? { scale: decimals } : {}),
          ...range,
        }
      },
    }
  })
  const el = h(
    'div',
    { class: 'mapping' },
    h(
      'fieldset',
      null,
      h('legend', null, 'Time'),
      h(
        'div',
        { class: 'filter-row' },
        field('Timestamp column(s)', tsColumns),
        field('Format', tsFormat, 'iso, epoch-s, epoch-ms or a pattern such as DD/MM/YYYY HH:mm'),
        field('Time zone', tsZone, 'IANA zone of local times'),
      ),
    ),
    h(
      'fieldset',
      null,
      h('legend', null, 'Device'),
      h(
        'div',
        { class: 'filter-row' },
        field('Devices', deviceMode),
        field('Device label', deviceLabel, 'used when one device recorded the whole file'),
      ),
    ),
    h(
      'fieldset',
      null,
      h('legend', null, 'Metrics'),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'metrics', 'data-testid': 'mapping-metrics' },
          h(
            'thead',
            null,
            h('tr', null, ...['Publish', 'Column', 'Name', 'Unit', 'Decimals', 'Valid range'].map((c) => h('th', { scope: 'col' }, c))),
          ),
          h('tbody', null, ...metricRows.map((r) => r.row)),
        ),
      ),
    ),
  )
  return {
    el,
    read() {
      const device = deviceMode.value.startsWith('column:')
        ? { column: deviceMode.value.slice('column:'.length) }
        : { fixed: deviceLabel.value.trim() || 'device-1' }
      return {
        ...m,
        timestamp: {
          columns: tsColumns.value
            .split(',')
            .map((c) => c.trim())
            .filter(Boolean),
          format: tsFormat.value.trim(),
          timeZone: tsZone.value.trim() || 'UTC',
        },
        device,
        metrics: metricRows.map((r) => r.read()).filter((x) => x !== undefined),
      }
    },
  }
}

/** The rows as the mapping reads them. */
export function parsedRowsTable(preview: MappingPreview): HTMLElement {
  const metrics = [...new Set(preview.rows.flatMap((r) => Object.keys(r.values)))]
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'parsed', 'data-testid': 'parsed-rows' },
      h('caption', null, `The first ${preview.rows.length} rows as they will be published`),
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          h('th', { scope: 'col' }, 'Time (UTC)'),
          h('th', { scope: 'col' }, 'Device'),
          ...metrics.map((m) => h('th', { scope: 'col' }, m)),
        ),
      ),
      h(
        'tbody',
        null,
        ...preview.rows.map((r) =>
          h(
            'tr',
            null,
            h('td', null, new Date(r.time * 1000).toISOString().replace('T', ' ').slice(0, 19)),
            h('td', null, r.device),
            ...metrics.map((m) => h('td', null, r.values[m] ?? '—')),
          ),
        ),
      ),
    ),
  )
}
