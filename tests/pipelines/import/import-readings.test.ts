import { readFileSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'
import { parseImportMapping, type ImportMappingInput } from '../../../core/index.js'
import { importReadings, inferMapping, readCsvRecords } from '../../../pipelines/index.js'
import { datasetPath } from '../../helpers/datasets.js'
import { caught } from '../../helpers/errors.js'

const mappingOf = (name: string) => parseImportMapping(JSON.parse(readFileSync(join('examples', `${name}.mapping.json`), 'utf8')))
const base: ImportMappingInput = {
  version: 1,
  format: 'csv',
  timestamp: { columns: ['time'], format: 'iso' },
  metrics: [{ column: 'temp', unit: '°C' }],
}

describe('importing sellers’ files', function () {
  this.timeout(120_000)
  let dir: string
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'assay-import-'))
  })
  after(() => rm(dir, { recursive: true, force: true }))
  const file = async (name: string, text: string): Promise<string> => {
    const path = join(dir, name)
    await writeFile(path, text)
    return path
  }
  const mapping = (over: Partial<ImportMappingInput> = {}) => parseImportMapping({ ...base, ...over })

  describe('the shared datasets with their committed mappings', () => {
    it('imports the occupancy file: five series of 8,143 readings, local Brussels time to UTC', async () => {
      const result = await importReadings(datasetPath('occupancy-room-2015.csv'), mappingOf('occupancy-room-2015'))
      expect(result.rows).to.equal(8143)
      expect(result.problems).to.deep.equal([])
      expect(result.series.map((s) => [s.metric.name, s.times.length])).to.deep.equal([
        ['temperature', 8143],
        ['humidity', 8143],
        ['light', 8143],
        ['co2', 8143],
        ['humidity_ratio', 8143],
      ])
      const temperature = result.series[0]!
      expect(temperature.device).to.equal('umons-office-room')
      expect(temperature.times[0]).to.equal(Date.UTC(2015, 1, 4, 16, 51, 0) / 1000) // 17:51 CET
      // An independent reading of the same column: same values, same order.
      const lines = readFileSync(datasetPath('occupancy-room-2015.csv'), 'utf8').trim().split('\n').slice(1)
      expect(temperature.values).to.deep.equal(lines.map((l) => l.split(',')[1]))
    })

    it('imports the Beijing file: time from year, month, day, hour in Asia/Shanghai; empty PM2.5 is missing, not an error', async () => {
      const result = await importReadings(datasetPath('beijing-pm25-2010-2014.csv'), mappingOf('beijing-pm25-2010-2014'))
      expect(result.rows).to.equal(43_824)
      const pm = result.series.find((s) => s.metric.name === 'pm2_5')!
      const empty = readFileSync(datasetPath('beijing-pm25-2010-2014.csv'), 'utf8')
        .trim()
        .split('\n')
        .slice(1)
        .filter((l) => l.split(',')[5] === '').length
      expect(pm.times.length).to.equal(43_824 - empty)
      expect(result.missing).to.equal(empty)
      expect(result.series.find((s) => s.metric.name === 'temperature')!.times[0]).to.equal(Date.UTC(2009, 11, 31, 16) / 1000)
      expect(result.series.map((s) => s.metric.unit)).to.deep.equal(['µg/m³', '°C', '°C', 'hPa', 'm/s'])
    })

    it('infers a mapping for each that reads the file, and says what it left out', async () => {
      const occupancy = await inferMapping(datasetPath('occupancy-room-2015.csv'))
      expect(occupancy.mapping.metrics.map((m) => m.column)).to.deep.equal(['Temperature', 'Humidity', 'Light', 'CO2', 'HumidityRatio'])
      expect(occupancy.notes.join('\n')).to.contain('skipped "Occupancy": only 0 and 1')
      const beijing = await inferMapping(datasetPath('beijing-pm25-2010-2014.csv'))
      expect(beijing.mapping.timestamp.columns).to.deep.equal(['year', 'month', 'day', 'hour'])
      expect(beijing.notes.join('\n')).to.contain('skipped "No": a row number').and.contain('skipped "cbwd": not numeric')
      expect((await importReadings(datasetPath('beijing-pm25-2010-2014.csv'), beijing.mapping, { maxRows: 100 })).rows).to.equal(100)
    })
  })

  describe('formats', () => {
    it('reads any delimiter, quoted fields with delimiters, doubled quotes and line breaks, CRLF and a BOM', async () => {
      const path = await file(
        'semi.csv',
        '\ufefftime;note;temp\r\n2024-01-01T00:00:00Z;"a;b ""quoted""\nline";21.5\r\n2024-01-01T00:01:00Z;;21.75\r\n',
      )
      const result = await importReadings(path, mapping({ delimiter: ';' }))
      expect(result.series[0]!.values).to.deep.equal(['21.5', '21.75'])
      expect(result.series[0]!.times).to.deep.equal([1704067200, 1704067260])
    })

    it('reads a doubled quote that straddles the 64 KiB read boundary', async () => {
      const prefix = 'time,note,temp\n2024-01-01T00:00:00Z,"'
      const pad = 'x'.repeat(65_535 - prefix.length) // the first quote of "" is the chunk's last byte
      const path = await file('edge.csv', `${prefix}${pad}""y",1\n`)
      const records = []
      for await (const r of readCsvRecords(path)) records.push(r)
      expect(records.map((r) => [r.fields.note, r.fields.temp])).to.deep.equal([[`${pad}"y`, '1']])
    })

    it('reads NDJSON in long form with a device column', async () => {
      const lines = [
        { ts: 1700000060, sensor: 'b', metric: 'temp', value: 20.5 },
        { ts: 1700000000, sensor: 'a', metric: 'temp', value: 19 },
        { ts: 1700000000, sensor: 'a', metric: 'rh', value: 40 },
        { ts: 1700000000, sensor: 'a', metric: 'wind', value: 3 },
      ]
      const path = await file('long.ndjson', lines.map((l) => JSON.stringify(l)).join('\n'))
      const result = await importReadings(
        path,
        mapping({
          format: 'ndjson',
          timestamp: { columns: ['ts'], format: 'epoch-s' },
          device: { column: 'sensor' },
          long: { metricColumn: 'metric', valueColumn: 'value' },
          metrics: [{ column: 'temp' }, { column: 'rh', name: 'humidity' }],
        }),
      )
      expect(result.series.map((s) => [s.device, s.metric.name, s.values])).to.deep.equal([
        ['a', 'temp', ['19']],
        ['a', 'humidity', ['40']],
        ['b', 'temp', ['20.5']],
      ])
    })

    it('sorts each series by time and drops repeated timestamps, counting them', async () => {
      const path = await file(
        'dup.csv',
        'time,temp\n2024-01-01T00:02:00Z,3\n2024-01-01T00:00:00Z,1\n2024-01-01T00:00:00Z,9\n2024-01-01T00:01:00Z,2\n',
      )
      const [series] = (await importReadings(path, mapping())).series
      expect(series!.values).to.deep.equal(['1', '2', '3'])
      expect(series!.duplicates).to.equal(1)
    })

    it('reads local times across daylight-saving changes (a gap takes the earlier offset, a repeat the earlier instant)', async () => {
      const path = await file(
        'dst.csv',
        'time,temp\n2015-03-29 01:30:00,1\n2015-03-29 02:30:00,2\n2015-03-29 03:30:00,3\n2015-10-25 02:30:00,4\n',
      )
      const result = await importReadings(
        path,
        mapping({ timestamp: { columns: ['time'], format: 'YYYY-MM-DD HH:mm:ss', timeZone: 'Europe/Brussels' } }),
      )
      // 01:30 CET; 02:30 does not exist (read with the offset before the gap); 03:30 CEST is the same
      // instant, so it is a repeat; 02:30 on 25 October happens twice: the first (CEST) counts.
      expect(result.series[0]!.times).to.deep.equal([
        Date.UTC(2015, 2, 29, 0, 30) / 1000,
        Date.UTC(2015, 2, 29, 1, 30) / 1000,
        Date.UTC(2015, 9, 25, 0, 30) / 1000,
      ])
      expect(result.series[0]!.duplicates).to.equal(1)
    })
  })

  describe('bad input gets a named error with file, line and column', () => {
    it('a time that does not parse: ImportRowError at the line', async () => {
      const path = await file('badtime.csv', 'time,temp\n2024-01-01T00:00:00Z,1\n2024-13-01T00:00:00Z,2\n')
      const err = await caught(() => importReadings(path, mapping()))
      expect(err.name).to.equal('ImportRowError')
      expect(err.message).to.equal('badtime.csv:3: column time: "2024-13-01T00:00:00Z" is not a valid date and time')
    })

    it('a value that is not a number: ImportRowError naming the column; with skipBadRows the rest imports and the problem is listed', async () => {
      const path = await file('badvalue.csv', 'time,temp\n2024-01-01T00:00:00Z,1\n2024-01-01T00:01:00Z,warm\n2024-01-01T00:02:00Z,3\n')
      const err = await caught(() => importReadings(path, mapping()))
      expect(err.message).to.contain('badvalue.csv:3: column temp: "warm" is not a number')
      const result = await importReadings(path, mapping(), { skipBadRows: true })
      expect(result.series[0]!.values).to.deep.equal(['1', '3'])
      expect(result.problems).to.deep.equal([{ file: path, line: 3, column: 'temp', message: result.problems[0]!.message }])
    })

    it('a column the mapping names but the file lacks: MissingColumnError listing what it has', async () => {
      const path = await file('nocol.csv', 'time,humidity\n2024-01-01T00:00:00Z,1\n')
      const err = await caught(() => importReadings(path, mapping()))
      expect(err.name).to.equal('MissingColumnError')
      expect(err.message).to.equal('nocol.csv has no column "temp" (it has "time", "humidity")')
    })

    it('malformed files: SourceFormatError with the line', async () => {
      const cases: Array<[string, string, string]> = [
        ['open.csv', 'time,temp\n2024-01-01T00:00:00Z,"1\n', 'open.csv:2: a quoted field is never closed'],
        ['short.csv', 'time,temp\n2024-01-01T00:00:00Z\n', 'short.csv:2: has 1 fields, the header has 2'],
        ['after.csv', 'time,temp\n2024-01-01T00:00:00Z,"1"x\n', 'after.csv:2: text after a closing quote in field 2'],
        ['empty.csv', '', 'empty.csv:1: the file is empty (no header row)'],
      ]
      for (const [name, text, message] of cases) {
        const err = await caught(async () => importReadings(await file(name, text), mapping()))
        expect([err.name, err.message]).to.deep.equal(['SourceFormatError', message])
      }
      const ndjson = await file('bad.ndjson', '{"ts": 1, "temp": 2}\n{"ts": 2, temp: 3}\n')
      const err = await caught(() =>
        importReadings(ndjson, mapping({ format: 'ndjson', timestamp: { columns: ['ts'], format: 'epoch-s' } })),
      )
      expect([err.name, err.message]).to.deep.equal(['SourceFormatError', 'bad.ndjson:2: is not valid JSON'])
    })

    it('a file with no usable reading: NoReadingsError', async () => {
      const path = await file('allmissing.csv', 'time,temp\n2024-01-01T00:00:00Z,NA\n2024-01-01T00:01:00Z,\n')
      const err = await caught(() => importReadings(path, mapping()))
      expect([err.name, err.message]).to.deep.equal([
        'NoReadingsError',
        'allmissing.csv has no usable reading: every mapped field of 2 rows is missing',
      ])
    })

    it('a mapping that is wrong: MappingError naming the field', async () => {
      expect(() => mapping({ timestamp: { columns: ['time'], format: 'iso', timeZone: 'Mars/Olympus' } })).to.not.throw()
      const path = await file('ok.csv', 'time,temp\n2024-01-01T00:00:00Z,1\n')
      const zone = await caught(() =>
        importReadings(path, mapping({ timestamp: { columns: ['time'], format: 'iso', timeZone: 'Mars/Olympus' } })),
      )
      expect([zone.name, zone.message]).to.deep.equal(['MappingError', 'timestamp.timeZone "Mars/Olympus" is not an IANA time zone'])
      expect(() =>
        parseImportMapping({
          ...base,
          metrics: [
            { column: 'a', name: 'x' },
            { column: 'b', name: 'x' },
          ],
        }),
      )
        .to.throw(Error, 'metrics.1.name: metric name x is used twice')
        .with.property('name', 'MappingError')
      expect(() => parseImportMapping({ ...base, format: 'xlsx' }))
        .to.throw(Error, 'format')
        .with.property('name', 'MappingError')
    })
  })
})

describe('assay map', () => {
  it('prints a mapping that parses, its notes and the first rows as read', async () => {
    const { mapCommand } = await import('../../../cli/index.js')
    const out: string[] = []
    const err: string[] = []
    await mapCommand(datasetPath('occupancy-room-2015.csv'), {}, { out: (s) => out.push(s), err: (s) => err.push(s) })
    expect(parseImportMapping(JSON.parse(out.join('\n'))).metrics).to.have.length(5)
    expect(err.join('\n')).to.contain('note: skipped "Occupancy"').and.contain('line 2: {"Date":"2015-02-04 17:51:00"')
  })
})
