import { expect } from 'chai'
import { requestChunks } from '../../cli/index.js'
import { MAX_BATCHES_PER_REQUEST } from '../../pipelines/index.js'

describe('stream push requests', () => {
  it('cuts batches into requests the node takes: at most its batch cap and 1.5 MB each, in order, none lost', () => {
    const small = Array.from({ length: 600 }, (_, i) => `{"i":${i}}`)
    const chunks = [...requestChunks(small)]
    expect(chunks.map(([start, c]) => [start, c.length])).to.deep.equal([
      [0, MAX_BATCHES_PER_REQUEST],
      [MAX_BATCHES_PER_REQUEST, MAX_BATCHES_PER_REQUEST],
      [2 * MAX_BATCHES_PER_REQUEST, 600 - 2 * MAX_BATCHES_PER_REQUEST],
    ])
    expect(chunks.flatMap(([, c]) => c)).to.deep.equal(small)

    const big = Array.from({ length: 10 }, (_, i) => `${i}`.padEnd(400_000, 'x'))
    const bigChunks = [...requestChunks(big)]
    expect(bigChunks.every(([, c]) => c.join('\n').length <= 1_500_000)).to.equal(true)
    expect(bigChunks.flatMap(([, c]) => c)).to.deep.equal(big)
    // A batch larger than a request's budget still goes, alone (the node then names the problem).
    expect([...requestChunks(['y'.repeat(2_000_000), 'z'])].map(([, c]) => c.length)).to.deep.equal([1, 1])
  })
})
