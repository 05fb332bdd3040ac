import { expect } from 'chai'
import { describeStages } from '../../cli/describe-publication.js'
import type { PublicationStatus } from '../../pipelines/index.js'

const status = (over: Partial<PublicationStatus>): PublicationStatus => ({
  id: 'pub-1',
  stages: {
    ingest: 'completed',
    prove: 'active',
    store: 'waiting',
    quality: 'waiting',
    preview: 'waiting',
    anchor: 'waiting',
    list: 'waiting',
  },
  proofs: { done: 0, total: 0 },
  ...over,
})

describe('describeStages', () => {
  it('marks each stage and counts the proofs', () => {
    expect(describeStages(status({ proofs: { done: 2, total: 5 } }))).to.equal(
      'ingest✓  prove… 2/5  store·  quality·  preview·  anchor·  list·',
    )
  })

  it('says what the publication waits for while the node builds its circuit', () => {
    const waiting = 'waiting for circuit sensor-stats-16bit-b400-v2 to be built (building; 2 of 5 circuits ready)'
    expect(describeStages(status({ waiting }))).to.equal(`ingest✓  prove…  store·  quality·  preview·  anchor·  list·  (${waiting})`)
  })
})
