import type { ManifestInput } from '../../core/index.js'

const CID_A = 'bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq'

/** A complete, valid manifest; tests override fields to make it invalid. */
export function sampleManifest(overrides: Partial<ManifestInput> = {}): ManifestInput {
  return {
    version: 1,
    title: 'Office room climate, Feb 2015',
    description: 'Temperature and CO2 of one office (UCI Occupancy Detection).',
    licence: 'CC-BY-4.0',
    tags: ['indoor', 'co2'],
    owner: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
    devices: [{ deviceId: '123', publicKey: { x: '1', y: '2' }, gateway: true }],
    series: [
      {
        seriesId: '9',
        deviceId: '123',
        metric: 'temperature',
        unit: '°C',
        scale: 2,
        offset: 10000,
        count: 8143,
        firstTime: 1423068660,
        lastTime: 1423576320,
      },
    ],
    encryption: { envelope: 'assay-aes256gcm-stream-v1', chunkSize: 1048576, keyCommitment: '42', sellerWrappedKey: 'AQID' },
    content: { ciphertextCid: CID_A, plaintextSha256: 'ab'.repeat(32), bytes: 540780, rows: 8143 },
    commitments: { root: '7', batches: ['5', '6'] },
    proofs: { circuitId: 'sensor-stats-v1', vkeyHash: 'cd'.repeat(32), bundleCid: CID_A },
    stats: [
      {
        seriesId: '9',
        count: 8143,
        mean: 20.6,
        variance: 1.03,
        min: 19,
        max: 23.18,
        inRangeShare: 1,
        range: { lo: -40, hi: 85 },
        firstTime: 1423068660,
        lastTime: 1423576320,
        maxGap: 120,
      },
    ],
    quality: { score: 91.5, reportCid: CID_A },
    parent: null,
    createdAt: '2026-11-21T12:00:00.000Z',
    ...overrides,
  }
}
