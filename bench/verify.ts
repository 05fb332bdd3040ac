// bench:verify — verifying a 1M-reading dataset: 2,500 batch proofs of the production 16-bit
// circuit (sensor-stats-16bit-b400-v2, 400 readings a batch) through verifyProofBundle, the check
// verifyDatasetProofs runs after the manifest's statements: every proof, then the per-batch checks
// and the commitment-root rebuild. Proving 2,500 batches would take over two hours, so a handful of
// distinct real batches (UCI Occupancy temperatures) are proven and repeated to 2,500 entries;
// each entry is still verified in full (its own random scalar, Miller loop and subgroup check), so
// the time is that of 2,500 distinct proofs. The repeats make the bundle's batch indices and root
// inconsistent, so its verdict lists those problems; the bench only requires that every proof verifies.
// Timed on ffjavascript's threaded curve (one worker per core: the Node path) and on the
// single-threaded one (the browser's), against the old one-pairing-check-per-proof verifyProof.
// Each is the median of --runs (3) runs after a warm-up. Then (unless --skip-honk) the UltraHonk port of the
// same statement (sensor-stats-16bit-b1152-v3-honk, 1,152 readings a proof: 869 proofs for 1M
// readings), proven with native bb and verified the same way, by verifyProofBundle with the
// committed key (the TypeScript UltraHonk verifier, one random-combination pairing per chunk); with
// --honk-eth-call also one proof by eth_call of its installed verifier on anvil (honk-verify-step.ts).
// Prints a final JSON line.
import '../core/polyfill.js'
import { availableParallelism } from 'node:os'
import { encodeValue, inferEncoding } from '../core/index.js'
import {
  circuitForSystem,
  createDeviceKey,
  honkProofBytes,
  proofKeyOf,
  DEFAULT_CHUNK_SIZE,
  getCircuitManifest,
  sensorStatsParams,
  verifyProof,
  verifyProofBundle,
  type Groth16BundleProof,
  type HonkBundleProof,
  type ProofBundle,
} from '../circuits/index.js'
import { curve as singleThreadCurve } from '../circuits/verify-proof.js'
import { loadCircuit, loadHonkCircuit, proveHonkBatch, releaseProverThreads, threadedVerifierCurve } from '../circuits/node.js'
import { readOccupancyColumn } from '../tests/helpers/datasets.js'
import { proveBatch, seriesSpec, signedBatchInput, type Batch } from '../tests/helpers/proven-dataset.js'
import { measureHonkVerification } from './honk-verify-step.js'

const CIRCUIT = 'sensor-stats-16bit-b400-v2'
const READINGS = 1_000_000
const distinctArg = process.argv.indexOf('--distinct')
const DISTINCT = distinctArg >= 0 ? Number(process.argv[distinctArg + 1]) : 4
const params = sensorStatsParams(CIRCUIT)
const PROOFS = READINGS / params.batchSize

let circuit: Awaited<ReturnType<typeof loadCircuit>>
try {
  circuit = await loadCircuit(CIRCUIT)
} catch (err) {
  console.error(`[bench] ${(err as Error).message}: run \`npm run build:circuits\` first`)
  process.exit(1)
}
const vkeyHash = getCircuitManifest(CIRCUIT).files.vkey

const rows = readOccupancyColumn('Temperature', DISTINCT * params.batchSize)
// Hundredths of a degree, the sensor's resolution (as bench:prove).
const encoding = inferEncoding(
  rows.map((r) => r.text),
  { scale: 2 },
)
const device = await createDeviceKey()
const meaning = { metric: 'Temperature', unit: '°C', scale: encoding.scale, offset: encoding.offset, nonce: 1n }
const spec = await seriesSpec(device, meaning, { lo: encodeValue('20', encoding), hi: encodeValue('24', encoding) }, { lo: 20, hi: 24 })
const distinct: Batch[] = []
const t0 = performance.now()
for (let index = 0; index < DISTINCT; index++) {
  const slice = rows.slice(index * params.batchSize, (index + 1) * params.batchSize)
  const batch = { values: slice.map((r) => encodeValue(r.text, encoding)), times: slice.map((r) => r.time) }
  distinct.push(await proveBatch(circuit, params, { series: 0, index, last: index === DISTINCT - 1 }, batch, spec))
}
console.error(
  `[bench] proved ${DISTINCT} distinct batches of ${params.batchSize} readings in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
)
// The prover's threads end here; the threaded verifier curve starts its own below.
await releaseProverThreads()

const bundle: ProofBundle = {
  version: 1,
  circuitId: CIRCUIT,
  vkeyHash,
  batches: Array.from({ length: PROOFS }, (_, i) => ({ ...distinct[i % DISTINCT]!, series: 0, index: i })),
}
console.error(`[bench] ${PROOFS} entries (${READINGS} readings): the ${DISTINCT} distinct proofs repeated, each entry verified in full`)

const runsArg = process.argv.indexOf('--runs')
const RUNS = runsArg >= 0 ? Number(process.argv[runsArg + 1]) : 3
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

/**
 * Median seconds of RUNS verifications of a whole bundle (the cores are shared: one run can be
 * unlucky), after a warm-up on its first `warmUp` entries (wasm instantiation, the threaded curve's workers).
 */
async function timeBundle(
  name: string,
  target: ProofBundle,
  options: Omit<Parameters<typeof verifyProofBundle>[1], 'onProgress'>,
  warmUp: number,
): Promise<{ wall: number; cpu: number }> {
  await verifyProofBundle({ ...target, batches: target.batches.slice(0, warmUp) }, options)
  const runs: number[] = []
  const cpu: number[] = []
  for (let run = 0; run < RUNS; run++) {
    let last = 0
    // The process's CPU time, its worker threads' included: what the verification costs whether or
    // not other work shares the cores.
    const cpu0 = process.cpuUsage()
    const start = performance.now()
    const verdict = await verifyProofBundle(target, { ...options, onProgress: (done) => (last = done) })
    runs.push((performance.now() - start) / 1000)
    const used = process.cpuUsage(cpu0)
    cpu.push((used.user + used.system) / 1e6)
    const unverified = verdict.problems.filter((p) => p.problem === 'proof does not verify')
    if (unverified.length > 0) throw new Error(`${unverified.length} proofs do not verify`)
    if (last !== target.batches.length) throw new Error(`progress stopped at ${last} of ${target.batches.length}`)
  }
  console.error(`[bench] ${name}: ${runs.map((s) => s.toFixed(2)).join(', ')} s (CPU ${cpu.map((s) => s.toFixed(2)).join(', ')} s)`)
  return { wall: median(runs), cpu: median(cpu) }
}

const groth16Options = { vkey: circuit.vkey, vkeyHash }
const threaded = await timeBundle('threaded curve', bundle, { ...groth16Options, curve: threadedVerifierCurve }, 256)
const threadedS = threaded.wall
await releaseProverThreads()
const single = await timeBundle('single-threaded curve', bundle, { ...groth16Options, curve: singleThreadCurve }, 256)
const singleS = single.wall
// The old path, one four-pairing check per proof, on a sample (it is linear in the proofs).
const SAMPLE = 100
const t1 = performance.now()
for (const b of bundle.batches.slice(0, SAMPLE))
  if (!(await verifyProof(circuit.vkey, b.publicSignals, b.proof as Groth16BundleProof))) throw new Error('proof does not verify')
const sequentialMs = (performance.now() - t1) / SAMPLE

const round = (x: number, d = 2): number => Math.round(x * 10 ** d) / 10 ** d
const workers = availableParallelism()
console.error(
  `[bench] threaded (${workers} workers) ${threadedS.toFixed(2)} s; single-threaded ${singleS.toFixed(2)} s; ` +
    `one check per proof ${sequentialMs.toFixed(2)} ms/proof ≈ ${((sequentialMs * PROOFS) / 1000).toFixed(1)} s`,
)
// UltraHonk: the same statement's Noir port, verified as the catalog, the audit and the browser do.
const honk = process.argv.includes('--skip-honk') ? undefined : await measureHonk()

async function measureHonk(): Promise<Record<string, unknown>> {
  const honkId = circuitForSystem(CIRCUIT, 'ultrahonk')
  const honkParams = sensorStatsParams(honkId)
  const honkProofs = Math.ceil(READINGS / honkParams.batchSize)
  const honkCircuit = await loadHonkCircuit(honkId)
  const { honkKey, vkeyHash: honkKeyHash } = await proofKeyOf(honkId, () => Promise.reject(new Error('not Groth16')))
  const honkRows = readOccupancyColumn('Temperature', DISTINCT * honkParams.batchSize)
  const proven: ProofBundle['batches'] = []
  const started = performance.now()
  for (let index = 0; index < DISTINCT; index++) {
    const slice = honkRows.slice(index * honkParams.batchSize, (index + 1) * honkParams.batchSize)
    const batch = { values: slice.map((r) => encodeValue(r.text, encoding)), times: slice.map((r) => r.time) }
    const { input } = await signedBatchInput(honkParams, batch, {
      device,
      meaning,
      band: spec.band,
      salt: 100n + BigInt(index),
      batchIndex: BigInt(index),
      last: index === DISTINCT - 1,
    })
    const { proof, publicSignals } = await proveHonkBatch(honkCircuit, input)
    proven.push({ proof, publicSignals, series: 0, index, count: slice.length })
  }
  const proveS = (performance.now() - started) / 1000 / DISTINCT
  console.error(`[bench] UltraHonk: proved ${DISTINCT} batches of ${honkParams.batchSize} readings with bb, ${proveS.toFixed(1)} s each`)
  const honkBundle: ProofBundle = {
    version: 1,
    circuitId: honkId,
    vkeyHash: honkKeyHash,
    batches: Array.from({ length: honkProofs }, (_, i) => ({ ...proven[i % DISTINCT]!, series: 0, index: i })),
  }
  const honkOptions = { honkKey: honkKey!, vkeyHash: honkKeyHash }
  const honkThreaded = await timeBundle('UltraHonk, threaded curve', honkBundle, { ...honkOptions, curve: threadedVerifierCurve }, 64)
  await releaseProverThreads()
  const honkSingle = await timeBundle('UltraHonk, single-threaded curve', honkBundle, { ...honkOptions, curve: singleThreadCurve }, 64)
  const onChain = process.argv.includes('--honk-eth-call')
    ? await measureHonkVerification({
        circuit: honkId,
        batch: {
          values: rows.slice(0, params.batchSize).map((r) => encodeValue(r.text, encoding)),
          times: rows.slice(0, params.batchSize).map((r) => r.time),
        },
        device,
        meaning,
        band: spec.band,
        readings: READINGS,
        calls: 40,
        log: (msg) => console.error(msg),
      })
    : undefined
  return {
    circuit: honkId,
    readings: READINGS,
    proofs: honkProofs,
    proof_bytes: honkProofBytes(proven[0]!.proof as HonkBundleProof).length,
    prove_s: round(proveS),
    verify_s: round(honkThreaded.wall),
    per_proof_ms: round((honkThreaded.wall * 1000) / honkProofs),
    cpu_s: round(honkThreaded.cpu),
    single_thread_verify_s: round(honkSingle.wall),
    single_thread_cpu_s: round(honkSingle.cpu),
    ...(onChain !== undefined ? { eth_call: onChain } : {}),
  }
}
console.log(
  JSON.stringify({
    bench: 'verify',
    circuit: CIRCUIT,
    readings: READINGS,
    proofs: PROOFS,
    distinct_proofs: DISTINCT,
    runs: RUNS,
    verify_s: round(threadedS),
    per_proof_ms: round((threadedS * 1000) / PROOFS),
    workers,
    cpu_s: round(threaded.cpu),
    // What the wall time would be with the cores to itself: CPU time spread over the workers.
    cpu_s_per_worker: round(threaded.cpu / workers),
    chunk_size: DEFAULT_CHUNK_SIZE,
    single_thread_verify_s: round(singleS),
    single_thread_per_proof_ms: round((singleS * 1000) / PROOFS),
    single_thread_cpu_s: round(single.cpu),
    one_check_per_proof_ms: round(sequentialMs),
    one_check_per_proof_s_estimated: round((sequentialMs * PROOFS) / 1000, 1),
    ...(honk !== undefined ? { honk } : {}),
  }),
)
process.exit(0)
