// The TypeScript UltraHonk verifier (circuits/ultrahonk) on the production 16-bit circuit
// (sensor-stats-16bit-b1152-v3-honk, 1,152 readings a proof, 869 proofs for 1M readings): a few
// distinct real batches (UCI Occupancy temperatures) proved with native bb, then
//  - single: verifyUltraHonk, one proof at a time (its own multi-scalar multiplication and pairing);
//  - batched: verifyUltraHonkBatch over 869 entries (the distinct proofs repeated; each entry is
//    still verified in full: transcript, sumcheck, Shplemini, its own random scalar), on the
//    single-threaded curve (what a browser has) and on ffjavascript's threaded one (Node: the
//    workers multiply and pair while this thread prepares the next chunks).
// Each timing is the median of --runs (3) after a warm-up. Not an npm script; prints a final JSON line.
//   npx tsx bench/honk-verify-ts.ts [--distinct 4] [--runs 3] [--chunk 64]
import '../core/polyfill.js'
import { availableParallelism } from 'node:os'
import { encodeValue, inferEncoding } from '../core/index.js'
import {
  createDeviceKey,
  DEFAULT_ULTRAHONK_CHUNK_SIZE,
  honkProofBytes,
  sensorStatsParams,
  verifyUltraHonk,
  verifyUltraHonkBatch,
  type Curve,
  type UltraHonkProofToVerify,
} from '../circuits/index.js'
import { curve as singleThreadCurve } from '../circuits/verify-proof.js'
import { loadHonkCircuit, proveHonkBatch, readCommittedHonkVk, releaseProverThreads, threadedVerifierCurve } from '../circuits/node.js'
import { readOccupancyColumn } from '../tests/helpers/datasets.js'
import { signedBatchInput } from '../tests/helpers/proven-dataset.js'

const CIRCUIT = 'sensor-stats-16bit-b1152-v3-honk'
const READINGS = 1_000_000
const arg = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(name)
  return at >= 0 ? Number(process.argv[at + 1]) : fallback
}
const DISTINCT = arg('--distinct', 4)
const RUNS = arg('--runs', 3)
const CHUNK = arg('--chunk', DEFAULT_ULTRAHONK_CHUNK_SIZE)
const SINGLE_SAMPLE = 40
const params = sensorStatsParams(CIRCUIT)
const PROOFS = Math.ceil(READINGS / params.batchSize)

const circuit = await loadHonkCircuit(CIRCUIT)
const key = await readCommittedHonkVk(CIRCUIT)
const rows = readOccupancyColumn('Temperature', DISTINCT * params.batchSize)
const encoding = inferEncoding(
  rows.map((r) => r.text),
  { scale: 2 },
)
const device = await createDeviceKey()
const meaning = { metric: 'Temperature', unit: '°C', scale: encoding.scale, offset: encoding.offset, nonce: 1n }
const distinct: UltraHonkProofToVerify[] = []
const t0 = performance.now()
for (let index = 0; index < DISTINCT; index++) {
  const slice = rows.slice(index * params.batchSize, (index + 1) * params.batchSize)
  const batch = { values: slice.map((r) => encodeValue(r.text, encoding)), times: slice.map((r) => r.time) }
  const { input } = await signedBatchInput(params, batch, {
    device,
    meaning,
    band: { lo: encodeValue('20', encoding), hi: encodeValue('24', encoding) },
    salt: 100n + BigInt(index),
    batchIndex: BigInt(index),
    last: index === DISTINCT - 1,
  })
  const { proof, publicSignals } = await proveHonkBatch(circuit, input)
  distinct.push({ proof: honkProofBytes(proof), publicInputs: publicSignals })
}
const proveS = (performance.now() - t0) / 1000 / DISTINCT
console.error(`[bench] proved ${DISTINCT} batches of ${params.batchSize} readings with bb: ${proveS.toFixed(1)} s each`)

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const round = (x: number, d = 2): number => Math.round(x * 10 ** d) / 10 ** d

// Single proofs, one after another (single-threaded curve).
for (const p of distinct) if (!(await verifyUltraHonk(key, p.proof, p.publicInputs))) throw new Error('an honest proof does not verify')
const singleRuns: number[] = []
for (let run = 0; run < RUNS; run++) {
  const start = performance.now()
  for (let i = 0; i < SINGLE_SAMPLE; i++) {
    const p = distinct[i % DISTINCT]!
    if (!(await verifyUltraHonk(key, p.proof, p.publicInputs))) throw new Error('an honest proof does not verify')
  }
  singleRuns.push((performance.now() - start) / SINGLE_SAMPLE)
}
const singleMs = median(singleRuns)
console.error(`[bench] single: ${singleRuns.map((ms) => ms.toFixed(2)).join(', ')} ms/proof`)

const items = Array.from({ length: PROOFS }, (_, i) => distinct[i % DISTINCT]!)
async function timeBatch(name: string, curve: () => Promise<Curve>): Promise<{ wall: number; cpu: number }> {
  await verifyUltraHonkBatch(key, items.slice(0, CHUNK), { curve, chunkSize: CHUNK })
  const runs: number[] = []
  const cpu: number[] = []
  for (let run = 0; run < RUNS; run++) {
    // The process's CPU time, worker threads included: the cost whether or not others share the cores.
    const cpu0 = process.cpuUsage()
    const start = performance.now()
    const verdicts = await verifyUltraHonkBatch(key, items, { curve, chunkSize: CHUNK })
    runs.push((performance.now() - start) / 1000)
    const used = process.cpuUsage(cpu0)
    cpu.push((used.user + used.system) / 1e6)
    if (!verdicts.every((v) => v)) throw new Error(`${verdicts.filter((v) => !v).length} honest proofs do not verify`)
  }
  console.error(
    `[bench] ${name}: ${runs.map((s) => s.toFixed(2)).join(', ')} s for ${PROOFS} proofs (CPU ${cpu.map((s) => s.toFixed(2)).join(', ')} s)`,
  )
  return { wall: median(runs), cpu: median(cpu) }
}
const batched = await timeBatch('batched, single-threaded curve', singleThreadCurve)
const threaded = await timeBatch('batched, threaded curve', threadedVerifierCurve)
await releaseProverThreads()

console.log(
  JSON.stringify({
    bench: 'honk-verify-ts',
    circuit: CIRCUIT,
    readings: READINGS,
    proofs: PROOFS,
    distinct_proofs: DISTINCT,
    proof_bytes: distinct[0]!.proof.length,
    prove_s: round(proveS),
    runs: RUNS,
    chunk_size: CHUNK,
    single_ms_per_proof: round(singleMs),
    batched_ms_per_proof: round((batched.wall * 1000) / PROOFS),
    batched_s: round(batched.wall),
    batched_cpu_s: round(batched.cpu),
    threaded_ms_per_proof: round((threaded.wall * 1000) / PROOFS),
    threaded_s: round(threaded.wall),
    threaded_cpu_s: round(threaded.cpu),
    workers: availableParallelism(),
  }),
)
process.exit(0)
