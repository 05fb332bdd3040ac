import { readFileSync } from 'node:fs'
import { expect } from 'chai'
import { circuitVersion, knownFlawOf, listCircuits, parseProofBundle, verifyDatasetProofs, type ProofBundle } from '../../circuits/index.js'
import { committedSetupRecords, loadCircuit, loadCircuitVerificationKey, releaseProverThreads } from '../../circuits/node.js'
import { parseManifest, type Manifest } from '../../core/index.js'

const V1 = 'sensor-stats-b16-v1'
const RETIRED = ['sensor-stats-16bit-b400-v1', 'sensor-stats-24bit-b336-v1', 'sensor-stats-32bit-b280-v1', 'sensor-stats-b16-v1']

/** A small honest dataset proven with the retired v1 test circuit (tests/fixtures/circuit-v1/README.md). */
function v1Dataset(): { manifest: Manifest; bundle: ProofBundle } {
  const raw = JSON.parse(readFileSync(new URL('../fixtures/circuit-v1/dataset.json', import.meta.url), 'utf8')) as {
    manifest: unknown
    bundle: unknown
  }
  return { manifest: parseManifest(raw.manifest), bundle: parseProofBundle(raw.bundle) }
}

describe('retired circuit v1: verify-only, always reported with its known flaw', function () {
  this.timeout(120_000)
  after(releaseProverThreads)

  it('still verifies a v1 dataset with the committed v1 verification key, and says the proofs carry v1’s known flaw', async () => {
    const { manifest, bundle } = v1Dataset()
    expect(manifest.proofs.circuitId).to.equal(V1)
    expect(circuitVersion(V1)).to.equal(1)
    const { vkey, vkeyHash } = await loadCircuitVerificationKey(V1)
    const { record: setupRecord } = (await committedSetupRecords())[V1]!
    const result = await verifyDatasetProofs(manifest, bundle, {
      vkey,
      vkeyHash,
      setupRecord,
      anchoredRoot: BigInt(manifest.commitments.root),
    })
    expect(result.ok, result.ok ? '' : result.error.message).to.equal(true)
    if (!result.ok) return
    expect(result.misstated).to.equal(undefined)
    expect(result.verdict.series.map((s) => s.count)).to.deep.equal([20n])
    expect(result.knownFlaw).to.be.a('string').and.not.equal('')
    expect(result.knownFlaw).to.match(/\bmin\b/)
    expect(result.knownFlaw).to.equal(knownFlawOf(V1))
  })

  it('refuses to load a retired circuit for proving, with ArtifactError saying it is retired', async () => {
    for (const id of RETIRED) {
      const refused = await loadCircuit(id).then(
        () => undefined,
        (err: unknown) => err,
      )
      expect(refused, id).to.be.instanceOf(Error).and.include({ name: 'ArtifactError', path: id })
      expect((refused as Error).message, id).to.match(new RegExp(`^${id}: retired \\(verify-only\\)`))
      expect((refused as Error).message, id).to.contain(knownFlawOf(id))
    }
  })

  it('reports no known flaw for any circuit that is not retired', () => {
    const current = listCircuits().filter(([, e]) => e.purpose !== 'retired')
    expect(current.length).to.be.above(0)
    for (const [id] of current) expect(knownFlawOf(id), id).to.equal(undefined)
  })

  it('retires exactly the four v1 SensorStats circuits, each with its flaw recorded', () => {
    const retired = listCircuits().filter(([, e]) => e.purpose === 'retired')
    expect(retired.map(([id]) => id).sort()).to.deep.equal(RETIRED)
    for (const [id, e] of retired) {
      expect(e.template, id).to.equal('SensorStats')
      expect(id, id).to.match(/-v1$/)
      expect(e.knownFlaw, id)
        .to.be.a('string')
        .that.matches(/\bmin\b/)
    }
    // Every v1 statistics circuit is retired: none is left for publishing or tests.
    const v1 = listCircuits().filter(([, e]) => e.template === 'SensorStats')
    expect(v1.map(([id]) => id).sort()).to.deep.equal(RETIRED)
  })
})
