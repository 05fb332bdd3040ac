import { expect } from 'chai'
import { WitnessError } from '../../../circuits/index.js'
import { ArtifactError } from '../../../core/index.js'
import { createProverPool, type ProverPool } from '../../../pipelines/index.js'

// The prover's child process throws; the parent must see the same error, not a renamed Error.
const CIRCUIT = 'sensor-stats-b16-v2'

describe('prover pool: errors from the child process', function () {
  let pool: ProverPool
  before(() => (pool = createProverPool(1)))
  after(() => pool.close())

  it('rejects with the WitnessError the child threw, its circuitId, category and cause kept', async () => {
    // Inputs the circuit has no witness for: its signals are missing.
    const job = { circuitId: CIRCUIT, input: { values: ['1'] }, series: 0, index: 0, count: 1 }
    const err = await pool.prove(job).then(
      () => expect.fail('an unsatisfiable input must not be proven'),
      (e: unknown) => e,
    )
    expect(err, String(err)).to.be.instanceOf(WitnessError)
    expect(err).to.include({ name: 'WitnessError', circuitId: CIRCUIT, category: 'internal' })
    expect((err as WitnessError).message).to.match(/^sensor-stats-b16-v2: inputs do not satisfy the circuit/)
    // snarkjs's own error, which the WitnessError wraps, comes along as its cause.
    expect((err as WitnessError).cause).to.be.instanceOf(Error)
  })

  it('rejects with the ArtifactError for a retired circuit, naming the circuit in its path', async () => {
    const err = await pool.prove({ circuitId: 'sensor-stats-b16-v1', input: {}, series: 0, index: 0, count: 1 }).then(
      () => expect.fail('a retired circuit proves nothing'),
      (e: unknown) => e,
    )
    expect(err).to.be.instanceOf(ArtifactError).and.include({ path: 'sensor-stats-b16-v1', category: 'internal' })
  })
})
