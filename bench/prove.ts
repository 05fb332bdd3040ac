// bench:prove — each production SensorStats circuit (circuits/circuits.json: 32, 24 and 16-bit
// values, B filling the 2^16 domain) against a straightforward circomlib circuit at the same batch
// size and value width (bench/circuits/baseline-stats.circom). Builds the baselines (cached) with
// `build-circuits --bench`, proves one batch of real readings (UCI Occupancy, temperature) --runs
// times each, and each width's UltraHonk circuit (the same statement in Noir with commitment v3, its
// own B filling 2^16 gates) with native bb; prints a final JSON line: the default backend's fastest
// circuit at the top, each backend's under `backends`, every width under `widths`.
import '../core/polyfill.js'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { groth16, type CircuitSignals } from 'snarkjs'
import { encodeValue, inferEncoding, loadConfig } from '../core/index.js'
import {
  computeBatchCommitment,
  createDeviceKey,
  listCircuits,
  listHonkCircuits,
  parsePublicSignals,
  prepareBatch,
  selectSensorStatsCircuit,
  sensorStatsParams,
  seriesIdOf,
  signBatch,
  verifyProof,
  type VerificationKey,
} from '../circuits/index.js'
import { createBbProver, executeNoir, findBbBinary, loadHonkCircuit, releaseProverThreads, sensorStatsNoirInput } from '../circuits/node.js'
import { readOccupancyColumn } from '../tests/helpers/datasets.js'

const runsArg = process.argv.indexOf('--runs')
const runs = runsArg >= 0 ? Number(process.argv[runsArg + 1]) : 5
const benchDir = join('build', 'bench-circuits')

execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build-circuits.ts', '--bench'], { stdio: ['ignore', 'inherit', 'inherit'] })
const benchManifest = JSON.parse(readFileSync(join(benchDir, 'artifacts.json'), 'utf8')) as {
  circuits: Record<string, { constraints: number }>
}
const production = listCircuits()
  .filter(([, e]) => e.purpose === 'production' && e.template === 'SensorStatsV2')
  .map(([id, e]) => ({ id, constraints: e.constraints, ...sensorStatsParams(id) }))
  .sort((a, b) => b.valueBits - a.valueBits)

const honkProduction = listHonkCircuits()
  .filter(([, e]) => e.purpose === 'production')
  .map(([id, e]) => ({ id, gates: e.gates, ...sensorStatsParams(id) }))

// Real readings, as many as the largest batch.
const rows = readOccupancyColumn('Temperature', Math.max(...[...production, ...honkProduction].map((p) => p.batchSize)))
const texts = rows.map((r) => r.text)
const times = rows.map((r) => r.time)
// Hundredths of a degree: the sensor's resolution (some rows carry 13 averaged digits, which
// inferEncoding would keep).
const encoding = inferEncoding(texts, { scale: 2 })
const values = texts.map((t) => encodeValue(t, encoding))
const lo = encodeValue('20', encoding)
const hi = encodeValue('24', encoding)

async function sensorStatsInput(id: string): Promise<{ input: CircuitSignals; expected: Record<string, bigint> }> {
  const params = sensorStatsParams(id)
  const device = await createDeviceKey()
  const batch = { values: values.slice(0, params.batchSize), times: times.slice(0, params.batchSize) }
  const salt = 987654321n
  const commitment = await computeBatchCommitment(batch, salt, params)
  const meaning = { metric: 'Temperature', unit: '°C', scale: encoding.scale, offset: encoding.offset, nonce: 1n }
  const seriesId = await seriesIdOf(device.deviceId, meaning, { lo, hi })
  const signature = await signBatch(device, { commitment, seriesId, batchIndex: 0n, last: true })
  const prepared = await prepareBatch(batch, params, { lo, hi, meaning, batchIndex: 0n, last: true, salt, device, signature })
  const count = BigInt(params.batchSize)
  const expected = { commitment, seriesId, batchIndex: 0n, count, lo, hi, last: 1n, ...prepared.stats }
  return { input: prepared.input, expected }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

/**
 * Milliseconds per batch with two provers at once, as two prover processes work (ASSAY_PROVERS=2
 * or two `assay worker`s): two chains of `runs` proofs each, timed together.
 */
async function twoProversMsPerBatch(prove: () => Promise<unknown>): Promise<number> {
  const start = performance.now()
  await Promise.all(
    [0, 1].map(async () => {
      for (let i = 0; i < runs; i++) await prove()
    }),
  )
  return (performance.now() - start) / (2 * runs)
}

async function measure(
  dir: string,
  id: string,
  input: CircuitSignals,
): Promise<{ proveMs: number; twoProversMs: number; verifyMs: number; publicSignals: string[] }> {
  const wasm = new Uint8Array(readFileSync(join(dir, id, 'main_js', 'main.wasm')))
  const zkey = new Uint8Array(readFileSync(join(dir, id, 'main.zkey')))
  const vkey = JSON.parse(readFileSync(join(dir, id, 'vkey.json'), 'utf8')) as VerificationKey
  const prove: number[] = []
  const verify: number[] = []
  await groth16.fullProve(input, wasm, zkey) // warm-up: wasm compile, worker start
  let last: Awaited<ReturnType<typeof groth16.fullProve>> | undefined
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now()
    last = await groth16.fullProve(input, wasm, zkey)
    prove.push(performance.now() - t0)
  }
  // Verification as an auditor does it: many batches in a row, measured apart from proving.
  for (let i = 0; i < 30; i++) {
    const t1 = performance.now()
    if (!(await verifyProof(vkey, last!.publicSignals, last!.proof))) throw new Error(`${id}: proof does not verify`)
    verify.push(performance.now() - t1)
  }
  // snarkjs already spreads one proof over the cores; measured the same way as UltraHonk anyway.
  const twoProversMs = await twoProversMsPerBatch(() => groth16.fullProve(input, wasm, zkey))
  console.error(
    `[bench] ${id}: prove ${prove.map((x) => x.toFixed(0)).join(', ')} ms; two provers ${twoProversMs.toFixed(0)} ms a batch; ` +
      `verify median of ${verify.length} ${median(verify).toFixed(1)} ms`,
  )
  return { proveMs: median(prove), twoProversMs, verifyMs: median(verify), publicSignals: last!.publicSignals }
}

/**
 * The same statement's UltraHonk circuit (circuits.json's honk section), as publishing proves it:
 * the built program, key and CRS (loadHonkCircuit, checked against the manifest), witness by
 * noir_js, proof by native bb with the recorded key; witness generation and proving timed apart.
 * Its public outputs must be the statement computed in TypeScript (commitment, series, statistics),
 * or the bench stops (tests/circuits/honk/stats-equivalence.test.ts shows both backends agree).
 */
async function measureHonk(id: string) {
  const { input, expected } = await sensorStatsInput(id)
  const circuit = await loadHonkCircuit(id)
  const { program } = circuit
  const { gates } = circuit.entry
  const prover = createBbProver({ bb: findBbBinary(), crsDir: circuit.crs.dir, crsPoints: circuit.crs.points })
  const known = { vk: circuit.vk, gates }
  const noirInput = sensorStatsNoirInput(input)
  const prove: number[] = []
  const witnessMs: number[] = []
  let proofBytes = 0
  await prover.prove(program, (await executeNoir(program, noirInput)).witness, 'evm', known) // warm-up
  for (let i = 0; i < runs; i++) {
    const t1 = performance.now()
    const { witness, returnValue } = await executeNoir(program, noirInput)
    const t2 = performance.now()
    const proof = await prover.prove(program, witness, 'evm', known)
    prove.push(performance.now() - t2)
    witnessMs.push(t2 - t1)
    proofBytes = proof.proof.length
    const outputs = parsePublicSignals((returnValue as string[]).map((v) => BigInt(v).toString())) as unknown as Record<string, bigint>
    const wrong = Object.entries(expected).filter(([k, v]) => outputs[k] !== v)
    if (wrong.length > 0) throw new Error(`${id}: the proof's ${wrong.map(([k, v]) => `${k} is ${outputs[k]}, not ${v}`).join('; ')}`)
  }
  // One batch's witness (single-threaded) while the other's bb proves on both cores.
  const twoProversMs = await twoProversMsPerBatch(async () =>
    prover.prove(program, (await executeNoir(program, noirInput)).witness, 'evm', known),
  )
  console.error(
    `[bench] ${id} (honk): ${gates} gates; witness ${witnessMs.map((x) => x.toFixed(0)).join(', ')} ms; ` +
      `prove ${prove.map((x) => x.toFixed(0)).join(', ')} ms; two provers ${twoProversMs.toFixed(0)} ms a batch`,
  )
  return { gates, proveMs: median(prove), witnessMs: median(witnessMs), twoProversMs, proofBytes }
}

const round = (x: number, d = 2): number => Math.round(x * 10 ** d) / 10 ** d
/** One production circuit's figures (the JSON line's `widths`). */
interface WidthRow {
  circuit: string
  readings_per_s: number
  honk: { circuit: string; readings_per_s: number } & Record<string, number | string>
  [field: string]: unknown
}
const widths: WidthRow[] = []
for (const circuit of production) {
  const B = circuit.batchSize
  const baselineId = `bench-baseline-b${B}-v${circuit.valueBits}`
  const baselineConstraints = benchManifest.circuits[baselineId]?.constraints
  if (baselineConstraints === undefined) throw new Error(`bench/circuits.json has no ${baselineId} for ${circuit.id}`)
  const slice = values.slice(0, B).map(String)
  const baseline = await measure(benchDir, baselineId, { values: slice, lo: String(lo), hi: String(hi), salt: '987654321' })
  const { input } = await sensorStatsInput(circuit.id)
  const ours = await measure(join('build', 'circuits'), circuit.id, input)
  const honkCircuit = honkProduction.find((h) => h.valueBits === circuit.valueBits)
  if (honkCircuit === undefined) throw new Error(`no production UltraHonk circuit for ${circuit.valueBits}-bit values`)
  const honk = await measureHonk(honkCircuit.id)
  const rps = (ms: number, readings = B): number => round((readings / ms) * 1000, 1)
  console.error(
    `[bench] ${circuit.id}: ${round(circuit.constraints / B, 1)} constraints per reading (baseline ${round(baselineConstraints / B, 1)})`,
  )
  widths.push({
    circuit: circuit.id,
    value_bits: circuit.valueBits,
    batch: B,
    constraints: circuit.constraints,
    constraints_per_reading: round(circuit.constraints / B, 1),
    prove_ms_median: round(ours.proveMs, 0),
    // Two prover processes, as publishing runs them (ASSAY_PROVERS); one proof alone below.
    readings_per_s: rps(ours.twoProversMs),
    sequential_readings_per_s: rps(ours.proveMs),
    verify_ms_median: round(ours.verifyMs, 1),
    baseline_constraints: baselineConstraints,
    baseline_constraints_per_reading: round(baselineConstraints / B, 1),
    baseline_prove_ms_median: round(baseline.proveMs, 0),
    baseline_readings_per_s: rps(baseline.proveMs),
    ratio_vs_baseline: round(rps(ours.proveMs) / rps(baseline.proveMs)), // one proof alone, each
    honk: {
      circuit: honkCircuit.id,
      batch: honkCircuit.batchSize,
      gates: honk.gates,
      gates_per_reading: round(honk.gates / honkCircuit.batchSize, 1),
      witness_ms_median: round(honk.witnessMs, 0),
      prove_ms_median: round(honk.proveMs, 0),
      // Witness and proof one after the other, as one prover process does both.
      sequential_readings_per_s: rps(honk.witnessMs + honk.proveMs, honkCircuit.batchSize),
      // Two prover processes: one's witness overlaps the other's proof (what publishing gets).
      readings_per_s: rps(honk.twoProversMs, honkCircuit.batchSize),
      proof_bytes: honk.proofBytes,
    },
  })
}
await releaseProverThreads()
/** The fastest production circuit by `rate`: what a backend's readings/s figure means. */
function fastest(rate: (w: WidthRow) => number, circuit: (w: WidthRow) => string): { circuit: string; readings_per_s: number } {
  const w = [...widths].sort((a, b) => rate(b) - rate(a))[0]!
  return { circuit: circuit(w), readings_per_s: rate(w) }
}
const groth16Best = fastest(
  (w) => w.readings_per_s,
  (w) => w.circuit,
)
const honkBest = fastest(
  (w) => w.honk.readings_per_s,
  (w) => w.honk.circuit,
)
const defaultHonk = loadConfig().proofSystem === 'ultrahonk'
console.log(
  JSON.stringify({
    bench: 'prove',
    // The node's default (ASSAY_PROVER), UltraHonk since issue 22's last step; `--prover groth16` is
    // the other (docs/publishing.md#choosing-the-proof-system---prover-groth16honk).
    default_backend: defaultHonk ? 'honk' : 'groth16',
    // The default backend's best production circuit.
    ...(defaultHonk ? honkBest : groth16Best),
    backends: { groth16: groth16Best, honk: honkBest },
    runs,
    // What publishing would pick for these temperatures (0.01 °C): the narrowest width that holds them.
    chosen_for_data: selectSensorStatsCircuit(values, [lo, hi]),
    widths,
    zkstats_mean_1000_readings_per_s: 106,
  }),
)
process.exit(0)
