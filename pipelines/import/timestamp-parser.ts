import { MappingError, type ImportMapping } from '../../core/index.js'

/** Turns a record's timestamp field(s) into unix seconds; throws an Error saying what is wrong. */
export type TimestampParser = (fields: Record<string, string>) => number

const TOKENS: Record<string, { re: string; part: keyof Parts }> = {
  YYYY: { re: '(\\d{4})', part: 'year' },
  MM: { re: '(\\d{2})', part: 'month' },
  M: { re: '(\\d{1,2})', part: 'month' },
  DD: { re: '(\\d{2})', part: 'day' },
  D: { re: '(\\d{1,2})', part: 'day' },
  HH: { re: '(\\d{2})', part: 'hour' },
  H: { re: '(\\d{1,2})', part: 'hour' },
  mm: { re: '(\\d{2})', part: 'minute' },
  m: { re: '(\\d{1,2})', part: 'minute' },
  ss: { re: '(\\d{2})', part: 'second' },
  s: { re: '(\\d{1,2})', part: 'second' },
  SSS: { re: '(\\d{3})', part: 'millisecond' },
}
const TOKEN_ORDER = ['YYYY', 'SSS', 'MM', 'DD', 'HH', 'mm', 'ss', 'M', 'D', 'H', 'm', 's']

interface Parts {
  year: number
  month: number
  day: number
  hour: number
  minute: number
  second: number
  millisecond: number
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/

/** Builds the parser a mapping's timestamp spec describes. @throws {MappingError} for a bad format or zone */
export function createTimestampParser(spec: ImportMapping['timestamp']): TimestampParser {
  const zone = checkedZone(spec.timeZone)
  const text = (fields: Record<string, string>): string =>
    spec.columns
      .map((c) => {
        const v = fields[c]
        if (v === undefined) throw new Error(`no column ${c}`)
        return v.trim()
      })
      .join(' ')

  if (spec.format === 'epoch-s' || spec.format === 'epoch-ms') {
    const divisor = spec.format === 'epoch-ms' ? 1000 : 1
    return (fields) => {
      const t = text(fields)
      if (!/^\d+(\.\d+)?$/.test(t)) throw new Error(`"${t}" is not a ${spec.format} timestamp`)
      return Math.floor(Number(t) / divisor)
    }
  }
  if (spec.format === 'iso') {
    return (fields) => {
      const t = text(fields)
      const m = ISO.exec(t)
      if (m === null) throw new Error(`"${t}" is not an ISO 8601 time`)
      const parts = {
        year: Number(m[1]),
        month: Number(m[2]),
        day: Number(m[3]),
        hour: Number(m[4] ?? 0),
        minute: Number(m[5] ?? 0),
        second: Number(m[6] ?? 0),
        millisecond: 0,
      }
      check(parts, t)
      if (m[8] === undefined) return localToUnix(parts, zone)
      const offset = m[8] === 'Z' ? 0 : offsetMinutes(m[8])
      return Math.floor(Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second) / 1000) - offset * 60
    }
  }
  // A pattern: tokens become capture groups, everything else is literal.
  const order: (keyof Parts)[] = []
  let re = '^'
  for (let i = 0; i < spec.format.length;) {
    const token = TOKEN_ORDER.find((t) => spec.format.startsWith(t, i))
    if (token !== undefined) {
      re += TOKENS[token]!.re
      order.push(TOKENS[token]!.part)
      i += token.length
    } else {
      re += spec.format[i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
      i += 1
    }
  }
  if (!order.includes('year') || !order.includes('month') || !order.includes('day'))
    throw new MappingError(`timestamp.format "${spec.format}" needs at least YYYY, M(M) and D(D)`)
  const pattern = new RegExp(`${re}$`)
  return (fields) => {
    const t = text(fields)
    const m = pattern.exec(t)
    if (m === null) throw new Error(`"${t}" does not match the format "${spec.format}"`)
    const parts: Parts = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0, millisecond: 0 }
    order.forEach((part, i) => (parts[part] = Number(m[i + 1])))
    check(parts, t)
    return localToUnix(parts, zone)
  }
}

function checkedZone(timeZone: string): Intl.DateTimeFormat {
  try {
    return new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    })
  } catch (err) {
    throw new MappingError(`timestamp.timeZone "${timeZone}" is not an IANA time zone`, { cause: err })
  }
}

function offsetMinutes(text: string): number {
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(text)!
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]))
}

function check(p: Parts, text: string): void {
  const days = new Date(Date.UTC(p.year, p.month, 0)).getUTCDate()
  if (p.month < 1 || p.month > 12 || p.day < 1 || p.day > days || p.hour > 23 || p.minute > 59 || p.second > 59)
    throw new Error(`"${text}" is not a valid date and time`)
}

/** Offset (minutes east of UTC) of a zone at a UTC instant. */
function zoneOffset(zone: Intl.DateTimeFormat, utcMs: number): number {
  const p: Record<string, number> = {}
  for (const { type, value } of zone.formatToParts(new Date(utcMs))) if (type !== 'literal') p[type] = Number(value)
  const asUtc = Date.UTC(p.year!, p.month! - 1, p.day, p.hour, p.minute, p.second)
  return Math.round((asUtc - Math.floor(utcMs / 1000) * 1000) / 60_000)
}

/**
 * Local wall time in a zone → unix seconds. An ambiguous time (clocks going back) takes the
 * earlier instant; a time in a spring-forward gap is read with the offset before the gap.
 */
function localToUnix(p: Parts, zone: Intl.DateTimeFormat): number {
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second)
  const before = zoneOffset(zone, wall - 86_400_000)
  const after = zoneOffset(zone, wall + 86_400_000)
  for (const offset of [Math.max(before, after), Math.min(before, after)]) {
    const guess = wall - offset * 60_000
    if (zoneOffset(zone, guess) === offset) return Math.floor(guess / 1000)
  }
  return Math.floor((wall - before * 60_000) / 1000)
}
