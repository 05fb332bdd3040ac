import { createReadStream } from 'node:fs'
import { basename } from 'node:path'
import { AssayError } from '../../core/index.js'

/** One record of a source file: its fields (CSV) or object (NDJSON), and the line it starts on. */
export interface SourceRecord {
  line: number
  fields: Record<string, string>
}

/** The file cannot be read as the mapping says (bad CSV quoting, bad JSON line, no header). */
export class SourceFormatError extends AssayError {
  override readonly category = 'bad-input' as const
  readonly file: string
  readonly line: number
  constructor(file: string, line: number, message: string, options?: { cause?: unknown }) {
    super(`${basename(file)}:${line}: ${message}`, options)
    this.name = 'SourceFormatError'
    this.file = file
    this.line = line
  }
}

/**
 * Streams the records of a CSV file (RFC 4180: any one-character delimiter, quoted fields with
 * doubled quotes, quoted line breaks, CRLF or LF, a BOM) keyed by the header row. Memory stays
 * bounded by the longest record, whatever the file size.
 */
export async function* readCsvRecords(path: string, delimiter = ','): AsyncGenerator<SourceRecord> {
  let header: string[] | undefined
  let fields: string[] = []
  let field = ''
  let quoted = false // inside a quoted field
  let afterQuote = false // just closed a quoted field: only a delimiter or line end may follow
  let fieldStarted = false
  let line = 1
  let recordLine = 1
  let first = true

  const endRecord = function* (): Generator<SourceRecord> {
    fields.push(field)
    const done = fields
    fields = []
    field = ''
    fieldStarted = false
    afterQuote = false
    if (done.length === 1 && done[0] === '') return // blank line
    if (header === undefined) {
      header = done.map((h) => h.trim())
      const dup = header.find((h, i) => header!.indexOf(h) !== i)
      if (dup !== undefined) throw new SourceFormatError(path, recordLine, `header names column "${dup}" twice`)
      return
    }
    if (done.length !== header.length)
      throw new SourceFormatError(path, recordLine, `has ${done.length} fields, the header has ${header.length}`)
    const record: Record<string, string> = {}
    header.forEach((h, i) => (record[h] = done[i]!))
    yield { line: recordLine, fields: record }
  }

  let pendingQuote = false // a quote ended the previous chunk inside a quoted field
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 16 })) {
    let text = chunk as string
    if (first) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
      first = false
    }
    for (let i = 0; i < text.length; i++) {
      const ch = text[i]!
      if (pendingQuote) {
        pendingQuote = false
        if (ch === '"') {
          field += '"' // a doubled quote split across chunks
          continue
        }
        quoted = false
        afterQuote = true
      }
      if (quoted) {
        if (ch !== '"') {
          if (ch === '\n') line++
          field += ch
        } else if (i + 1 === text.length) {
          pendingQuote = true
        } else if (text[i + 1] === '"') {
          field += '"'
          i++
        } else {
          quoted = false
          afterQuote = true
        }
        continue
      }
      if (ch === delimiter) {
        fields.push(field)
        field = ''
        fieldStarted = false
        afterQuote = false
      } else if (ch === '\n') {
        yield* endRecord()
        line++
        recordLine = line
      } else if (ch === '\r') {
        // CRLF line ends: the LF ends the record.
      } else if (ch === '"' && !fieldStarted) {
        quoted = true
        fieldStarted = true
      } else {
        if (afterQuote) throw new SourceFormatError(path, line, `text after a closing quote in field ${fields.length + 1}`)
        field += ch
        fieldStarted = true
      }
    }
  }
  if (pendingQuote) quoted = false // the file ended right after a closing quote
  if (quoted) throw new SourceFormatError(path, recordLine, 'a quoted field is never closed')
  if (fields.length > 0 || field !== '') yield* endRecord()
  if (header === undefined) throw new SourceFormatError(path, 1, 'the file is empty (no header row)')
}

/** Streams the records of an NDJSON file: one JSON object per line, values as text. */
export async function* readNdjsonRecords(path: string): AsyncGenerator<SourceRecord> {
  const { createInterface } = await import('node:readline')
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity })
  let line = 0
  for await (const text of lines) {
    line++
    if (text.trim() === '') continue
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch (err) {
      throw new SourceFormatError(path, line, 'is not valid JSON', { cause: err })
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new SourceFormatError(path, line, 'is not a JSON object')
    const fields: Record<string, string> = {}
    for (const [k, v] of Object.entries(value))
      fields[k] = v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v as string | number | boolean)
    yield { line, fields }
  }
}
