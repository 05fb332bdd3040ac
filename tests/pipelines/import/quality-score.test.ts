import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect } from 'chai'
import { parseImportMapping } from '../../../core/index.js'
import { importReadings, scoreQuality, type QualityInput } from '../../../pipelines/index.js'
import { datasetPath } from '../../helpers/datasets.js'

/** A clean minute series: a smooth daily-ish cycle inside [0, 50]. */
function series(n: number, over: Partial<QualityInput> = {}): QualityInput {
  const times = Array.from({ length: n }, (_, i) => 1_700_000_000 + 60 * i)
  const values = times.map((_, i) => 20 + 5 * Math.sin(i / 30))
  return { key: 'd/t', device: 'd', metric: 't', times, values, duplicates: 0, validRange: [0, 50], deviceSigned: true, ...over }
}
const component = (input: QualityInput[], name: string, i = 0) =>
  (scoreQuality(input).series[i]!.components as Record<string, { score: number; detail: string; proven?: boolean }>)[name]!

describe('quality score', () => {
  it('gives a clean, device-signed series 100', () => {
    const report = scoreQuality([series(500)])
    expect(report.score).to.equal(100)
    expect(report.signedBy).to.equal('devices')
  })

  it('completeness: readings against the median interval', () => {
    const s = series(1000)
    const kept = { ...s, times: s.times.filter((_, i) => i % 10 !== 5), values: s.values.filter((_, i) => i % 10 !== 5) }
    expect(component([kept], 'completeness').score).to.be.closeTo(0.9, 0.001)
  })

  it('gaps: the share of the span lost in intervals longer than 3× the median', () => {
    const s = series(1000)
    const gapped = { ...s, times: s.times.map((t, i) => (i >= 500 ? t + 3600 : t)) }
    const gaps = component([gapped], 'gaps')
    expect(gaps.score).to.be.closeTo(1 - 3600 / (999 * 60 + 3600), 1e-9)
    expect(gaps.detail).to.contain('largest gap 3660 s')
  })

  it('duplicates, outliers and flat runs (but not a run at a range bound, like 0 lux at night)', () => {
    expect(component([series(100, { duplicates: 25 })], 'duplicates').score).to.equal(0.8)
    const spiky = series(1000)
    const values = [...spiky.values]
    values[100] = 49
    values[200] = 1
    expect(component([{ ...spiky, values }], 'outliers').score).to.equal(0.998)
    const flat = [...spiky.values]
    for (let i = 300; i < 430; i++) flat[i] = 21.5
    expect(component([{ ...spiky, values: flat }], 'stuck').score).to.equal(0.87)
    for (let i = 300; i < 430; i++) flat[i] = 0
    expect(component([{ ...spiky, values: flat }], 'stuck').score).to.equal(1)
  })

  it('validity and the largest gap come from the proofs when given, and say so', () => {
    const validity = component([series(100, { proven: { inRange: 97, maxGap: 60 } })], 'validity')
    expect([validity.score, validity.proven]).to.deep.equal([0.97, true])
    expect(component([series(100, { validRange: [0, 21] })], 'validity').score).to.be.below(1)
  })

  it('signature coverage: a gateway-signed file scores 0 there and the report says so', () => {
    const report = scoreQuality([series(100, { deviceSigned: false })])
    expect(report.signedBy).to.equal('gateway')
    expect(report.series[0]!.components.signatures!.score).to.equal(0)
    expect(report.score).to.equal(88.89) // 80 of the 90 weight points that apply (no second device: no agreement)
  })

  it('cross-device agreement: two devices on the same metric at the same times', () => {
    const a = series(200)
    const b = { ...series(200), key: 'e/t', device: 'e' }
    expect(component([a, b], 'agreement').score).to.equal(1)
    const off = { ...b, values: b.values.map((v, i) => (i < 50 ? v + 3 : v)) }
    expect(component([a, off], 'agreement').score).to.equal(0.75)
    expect(scoreQuality([a]).series[0]!.components.agreement).to.equal(undefined)
  })

  it('scores the occupancy file as published from its mapping', async () => {
    const mapping = parseImportMapping(JSON.parse(readFileSync(join('examples', 'occupancy-room-2015.mapping.json'), 'utf8')))
    const { series: imported } = await importReadings(datasetPath('occupancy-room-2015.csv'), mapping)
    const report = scoreQuality(
      imported.map((s) => ({
        key: `${s.device}/${s.metric.name}`,
        device: s.device,
        metric: s.metric.name,
        times: s.times,
        values: s.values.map(Number),
        duplicates: s.duplicates,
        ...(s.metric.validRange !== undefined ? { validRange: s.metric.validRange } : {}),
        deviceSigned: false,
      })),
    )
    expect(report.series).to.have.length(5)
    expect(report.score).to.be.within(60, 95)
    for (const s of report.series) expect(s.medianInterval).to.equal(60)
  })
})
