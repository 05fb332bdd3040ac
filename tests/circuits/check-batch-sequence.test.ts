import { expect } from 'chai'
import { checkBatchSequence, type SequencedBatch } from '../../circuits/index.js'

/** Batches written as `series:index`, e.g. `0:0 0:1 1:0`. */
const batches = (text: string): SequencedBatch[] =>
  text
    .split(' ')
    .filter((t) => t !== '')
    .map((t) => {
      const [series, index] = t.split(':').map(Number) as [number, number]
      return { series, batchIndex: BigInt(index) }
    })

describe('checkBatchSequence', () => {
  it('accepts every series of the manifest in order, each as batches 0..n-1', () => {
    expect(() => checkBatchSequence(3, batches('0:0 0:1 0:2 1:0 2:0 2:1'))).not.to.throw()
  })

  it('rejects each way a bundle can leave the manifest’s order, naming the series and batch', () => {
    for (const [seriesCount, text, message, batch] of [
      [2, '0:0 0:2 1:0', 'series 0: batch 1 is missing', 1],
      [2, '0:1 1:0', 'series 0: batch 0 is missing', 0],
      [2, '0:0 0:1 0:1 1:0', 'series 0: batch 1 appears twice', 1],
      [2, '0:0 0:2 0:1 1:0', 'series 0: batch 2 comes before batch 1', 1],
      [2, '0:0 1:0 0:1', 'series 0: batch 1 comes after series 1 (series are listed in manifest order)', 1],
      [3, '0:0 2:0', 'series 1: no batch proof', undefined],
      [2, '1:0', 'series 0: no batch proof', undefined],
      [2, '0:0', 'series 1: no batch proof', undefined],
      [1, '', 'series 0: no batch proof', undefined],
      [1, '0:0 1:0', 'series 1: batch 0 is filed under a series the manifest does not have (it has 1)', 0],
    ] as const)
      expect(() => checkBatchSequence(seriesCount, batches(text)), text)
        .to.throw(Error)
        .that.includes({ name: 'BatchSequenceError', message, batch })
  })
})
