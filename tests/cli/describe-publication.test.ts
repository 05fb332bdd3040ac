import { expect } from 'chai'
import { describeFailedError, describeStages } from '../../cli/describe-publication.js'
import { WitnessError } from '../../circuits/index.js'
import { serializeError, ServiceError } from '../../core/index.js'
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

describe('describeFailedError', () => {
  it('names the recorded error with its category and fields, then each cause', () => {
    const recorded = serializeError(
      new WitnessError('sensor-stats-b16-v2', 'constraint 12 fails', { cause: new ServiceError('snarkjs', 'out of memory') }),
    )
    expect(describeFailedError(recorded)).to.equal(
      'error: WitnessError [internal] circuitId="sensor-stats-b16-v2"\n  caused by ServiceError [unavailable] service="snarkjs": snarkjs: out of memory',
    )
  })
})
