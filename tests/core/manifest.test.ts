import { expect } from 'chai'
import { ManifestValidationError, parseManifest } from '../../core/index.js'
import { sampleManifest } from '../helpers/manifest.js'

function issuesOf(value: unknown): string[] {
  try {
    parseManifest(value)
  } catch (err) {
    expect(err).to.be.instanceOf(ManifestValidationError)
    return (err as ManifestValidationError).issues.map((i) => `${i.path}: ${i.message}`)
  }
  throw new Error('expected ManifestValidationError')
}

describe('manifest schema', () => {
  it('accepts a complete manifest and applies defaults', () => {
    const { tags: _t, description: _d, ...rest } = sampleManifest()
    const m = parseManifest(rest)
    expect(m.tags).to.deep.equal([])
    expect(m.description).to.equal('')
    expect(m.devices[0]?.gateway).to.equal(true)
  })

  it('names every bad field by its path', () => {
    const bad = sampleManifest({ owner: '0x12', content: { ciphertextCid: 'not-a-cid', plaintextSha256: 'XYZ', bytes: -1, rows: 3 } })
    const issues = issuesOf(bad)
    expect(issues).to.include.members([
      'owner: must be a 0x-prefixed 20-byte address',
      'content.ciphertextCid: must be a CID string',
      'content.plaintextSha256: must be 64 lowercase hex digits',
    ])
    expect(issues.some((i) => i.startsWith('content.bytes:'))).to.equal(true)
  })

  it('rejects a series whose device is not listed, and times out of order', () => {
    const m = sampleManifest()
    const issues = issuesOf({ ...m, series: [{ ...m.series[0]!, deviceId: '999', lastTime: 1 }] })
    expect(issues).to.include('series.0.deviceId: names a device not listed in devices')
    expect(issues).to.include('series.0.lastTime: is before firstTime')
  })

  it('rejects unknown fields and unknown versions', () => {
    expect(issuesOf({ ...sampleManifest(), price: 5 }).join()).to.contain('price')
    expect(issuesOf({ ...sampleManifest(), version: 2 })).to.deep.equal(['version: unsupported manifest version 2 (this code reads 1)'])
  })

  it('takes an optional thumbnail CID beside the preview: older manifests without it still parse', () => {
    const older = sampleManifest({ previewCid: 'bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq' })
    expect(parseManifest(older)).not.to.have.property('thumbnailCid')
    const thumbnailCid = 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku'
    expect(parseManifest({ ...older, thumbnailCid }).thumbnailCid).to.equal(thumbnailCid)
    expect(issuesOf({ ...older, thumbnailCid: 'not-a-cid' })).to.deep.equal(['thumbnailCid: must be a CID string'])
  })

  it('rejects a quality score outside 0..100 and a codec offset outside 32 bits', () => {
    const m = sampleManifest()
    const issues = issuesOf({ ...m, quality: { ...m.quality, score: 101 }, series: [{ ...m.series[0]!, offset: 2 ** 32 }] })
    expect(issues.some((i) => i.startsWith('quality.score:'))).to.equal(true)
    expect(issues.some((i) => i.startsWith('series.0.offset:'))).to.equal(true)
  })
})
