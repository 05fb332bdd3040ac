// The min-aliasing attack (issue 18), as a named test. A reading is committed as one packed word
// time · 2^32 + value, so (t, 5000) and (t + 1, 5000 − 2^32) pack to the same field element: the
// commitment and the device's signature cannot tell them apart. v1 never range-checked min, so
// 5000 − 2^32 (a field element near p) passed as the minimum and shifted the packed bounds word;
// v2 range-checks min and refuses the witness.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { expect } from 'chai'
import {
  computeBatchCommitment,
  parsePublicSignals,
  prepareBatch,
  sensorStatsParams,
  seriesIdOf,
  signBatch,
  SNARK_FIELD,
  verifyProof,
  type PreparedBatch,
} from '../../circuits/index.js'
import { loadCircuitVerificationKey } from '../../circuits/node.js'
import { calculateWitness, CIRCUIT_ID, ForgeryHarness, loadR1cs, params, resolveExpected, ROOT, SOURCE, under } from './forgeries.js'

interface V1Fixture {
  signedValues: string[]
  times: string[]
  proof: { publicSignals: string[]; proof: Parameters<typeof verifyProof>[2] }
}

describe('the min-aliasing attack', function () {
  this.timeout(300_000)
  const t0 = 1_700_000_000n
  const signed = { values: [1000n, 1010n, 5000n, 1014n], times: [t0, t0 + 60n, t0 + 120n, t0 + 180n] }
  /** 5000 − 2^32 in the field, one second later: the same packed word as (t0 + 120, 5000). */
  const aliased = SNARK_FIELD + 5000n - (1n << 32n)

  let harness: ForgeryHarness
  let prepared: PreparedBatch
  let forged: Record<string, string | string[]>
  before(async () => {
    harness = await ForgeryHarness.create()
    const { device, meaning } = harness
    const band = { lo: 0n, hi: 4000n }
    const salt = 42n
    const commitment = await computeBatchCommitment(signed, salt, params)
    const seriesId = await seriesIdOf(device.deviceId, meaning, band)
    const signature = await signBatch(device, { commitment, seriesId, batchIndex: 0n, last: true })
    prepared = await prepareBatch(signed, params, { ...band, meaning, batchIndex: 0n, last: true, salt, device, signature })
    const values = [...(prepared.input.values as string[])]
    const times = [...(prepared.input.times as string[])]
    values[2] = aliased.toString()
    times[2] = (t0 + 121n).toString()
    forged = { ...prepared.input, values, times }
  })

  it('keeps the commitment and message the device signed (so the device’s own signature still holds)', async () => {
    const honest = await harness.values(prepared.input)
    const attack = await harness.values(forged)
    expect(attack.get('main.commitment')).to.equal(prepared.commitment)
    expect(attack.get('main.message')).to.equal(honest.get('main.message'))
  })

  it('rejects a min that aliases a signed reading below zero (the v1 min-aliasing attack)', async () => {
    const expected = resolveExpected('main.{RangeCheck(VALUE_BITS)(min)}', await readFile(join(ROOT, SOURCE), 'utf8'))
    // The circuit's own witness code stops at that range check (SensorStatsV2, the line of RangeCheck(min)).
    const wasm = await WebAssembly.compile(await readFile(join(ROOT, 'build', 'circuits', CIRCUIT_ID, 'main_js', 'main.wasm')))
    const err = await calculateWitness(wasm, forged).then(
      () => undefined,
      (e: Error) => e,
    )
    const line = expected.split('_').at(-2)
    expect(err?.message).to.match(new RegExp(`Error in template SensorStatsV2_\\d+ line: ${line}\\b`))
    // And a witness that carries on past it breaks exactly that range check, nothing else.
    const r1cs = await loadR1cs(join('build', 'circuits', CIRCUIT_ID))
    const failing = await harness.run(
      { name: 'min aliasing', expectedFailure: expected, build: () => Promise.resolve({ input: forged, resign: false }) },
      r1cs,
    )
    expect(failing).to.not.be.empty
    for (const c of failing)
      expect(
        c.signals.some((s) => under(s, expected)),
        c.signals.join(' '),
      ).to.equal(true)
  })

  it('verifies under the retired v1 key although its bounds no longer state the signed max 5000 (why v1 is retired)', async () => {
    const fixture = JSON.parse(await readFile(join(ROOT, 'tests', 'fixtures', 'circuit-v1', 'min-aliasing.json'), 'utf8')) as V1Fixture
    expect(fixture.signedValues.map(BigInt)).to.deep.equal(signed.values)
    const { vkey } = await loadCircuitVerificationKey('sensor-stats-b16-v1')
    expect(await verifyProof(vkey, fixture.proof.publicSignals, fixture.proof.proof)).to.equal(true)
    // What v1 proves: the aliased min wraps the packed bounds word, so the decoded max is not 5000.
    const bounds = BigInt(fixture.proof.publicSignals[5]!)
    expect((bounds >> 32n) & 0xffffffffn).to.not.equal(5000n)
    // The decoder refuses the statement outright (min above max).
    expect(() => parsePublicSignals(fixture.proof.publicSignals, sensorStatsParams('sensor-stats-b16-v1')))
      .to.throw(Error, /min \d+ is above max/)
      .with.property('name', 'PublicSignalsError')
  })
})
