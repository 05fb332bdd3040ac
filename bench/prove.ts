// bench:prove — SensorStats against a straightforward circomlib circuit over the same readings
// (bench/circuits/baseline-stats.circom), same batch size, at 32-bit values and at the narrow
// width chosen from the data (16 bits for these temperatures). Builds both
// (cached) with `build-circuits --bench`, proves one batch of real readings (UCI Occupancy,
// temperature) --runs times each, and prints a final JSON line.
import '../core/polyfill.js'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { groth16, type CircuitSignals } from 'snarkjs'
import { encodeValue, inferEncoding } from '../core/index.js'
import {
  computeBatchCommitment,
  createDeviceKey,
  narrowestValueBits,
  prepareBatch,
  signBatch,
  type SensorStatsParams,
  type VerificationKey,
} from '../circuits/index.js'
import { releaseProverThreads } from '../circuits/node.js'
import { readOccupancyColumn } from '../tests/helpers/datasets.js'

const runsArg = process.argv.indexOf('--runs')
const runs = runsArg >= 0 ? Number(process.argv[runsArg + 1]) : 5
const B = 256
const dir = join('build', 'bench-circuits')

execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build-circuits.ts', '--bench'], { stdio: ['ignore', 'inherit', 'inherit'] })
const manifest = JSON.parse(readFileSync(join(dir, 'artifacts.json'), 'utf8')) as { circuits: Record<string, { constraints: number }> }

// One batch of real readings.
const rows = readOccupancyColumn('Temperature', B)
const texts = rows.map((r) => r.text)
const times = rows.map((r) => r.time)
// Hundredths of a degree: the sensor's resolution (some rows carry 13 averaged digits, which
// inferEncoding would keep).
const encoding = inferEncoding(texts, { scale: 2 })
const values = texts.map((t) => encodeValue(t, encoding))
const lo = encodeValue('20', encoding)
const hi = encodeValue('24', encoding)

async function sensorStatsInput(valueBits: number): Promise<CircuitSignals> {
  const params: SensorStatsParams = { batchSize: B, valueBits, timeBits: 48, gapBits: 24 }
  const device = await createDeviceKey()
  const batch = { values, times }
  const salt = 987654321n
  const commitment = await computeBatchCommitment(batch, salt, params)
  const signature = await signBatch(device, commitment, 1n, 0n)
  return (await prepareBatch(batch, params, { lo, hi, seriesId: 1n, batchIndex: 0n, salt, device, signature })).input
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

async function measure(id: string, input: CircuitSignals): Promise<{ proveMs: number; verifyMs: number; constraints: number }> {
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
    if (!(await groth16.verify(vkey, last!.publicSignals, last!.proof))) throw new Error(`${id}: proof does not verify`)
    verify.push(performance.now() - t1)
  }
  console.error(
    `[bench] ${id}: prove ${prove.map((x) => x.toFixed(0)).join(', ')} ms; verify median of ${verify.length} ${median(verify).toFixed(1)} ms`,
  )
  return { proveMs: median(prove), verifyMs: median(verify), constraints: manifest.circuits[id]!.constraints }
}

const baselineInput = { values: values.map(String), lo: String(lo), hi: String(hi), salt: '987654321' }
const baseline = await measure('bench-baseline-256', baselineInput)
const ours = await measure('bench-sensor-stats-256', await sensorStatsInput(32))
// The narrow variant, picked from the data as the product will: these readings fit 16 bits.
const narrowBits = narrowestValueBits(values, [lo, hi])
if (narrowBits !== 16) throw new Error(`expected the occupancy temperatures to fit 16 bits, got ${narrowBits}`)
const narrowBaseline = await measure('bench-baseline-256-v16', baselineInput)
const narrow = await measure('bench-sensor-stats-256-v16', await sensorStatsInput(16))
await releaseProverThreads()
const round = (x: number, d = 2): number => Math.round(x * 10 ** d) / 10 ** d
const rps = (ms: number): number => round((B / ms) * 1000, 1)
console.log(
  JSON.stringify({
    bench: 'prove',
    batch: B,
    runs,
    constraints: ours.constraints,
    constraints_per_reading: round(ours.constraints / B, 1),
    prove_ms_median: round(ours.proveMs, 0),
    readings_per_s: rps(ours.proveMs),
    verify_ms_median: round(ours.verifyMs, 1),
    baseline_constraints: baseline.constraints,
    baseline_constraints_per_reading: round(baseline.constraints / B, 1),
    baseline_prove_ms_median: round(baseline.proveMs, 0),
    baseline_readings_per_s: rps(baseline.proveMs),
    ratio_vs_baseline: round(rps(ours.proveMs) / rps(baseline.proveMs)),
    narrow: {
      value_bits: narrowBits,
      constraints: narrow.constraints,
      constraints_per_reading: round(narrow.constraints / B, 1),
      readings_per_s: rps(narrow.proveMs),
      verify_ms_median: round(narrow.verifyMs, 1),
      baseline_constraints: narrowBaseline.constraints,
      baseline_readings_per_s: rps(narrowBaseline.proveMs),
      ratio_vs_baseline: round(rps(narrow.proveMs) / rps(narrowBaseline.proveMs)),
    },
    zkstats_mean_1000_readings_per_s: 106,
  }),
)
process.exit(0)
