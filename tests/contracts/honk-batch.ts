// An honest UltraHonk batch proof for the contract tests: the B = 16 test circuit of SensorStatsV2
// with commitment v3 (circuits.json sensor-stats-b16-v3-honk, circuits/noir/sensor-stats-b16-v3) proved by native bb over the development CRS, and bb's
// Solidity verifier for it (our CRS's tau·G2), compiled with solc and deployed with its libraries
// linked, as tests/circuits/honk/stats-equivalence.test.ts does.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Signer } from 'ethers'
import { getHonkCircuit, sensorStatsParams, type DeviceKey } from '../../circuits/index.js'
import {
  BB_G2_FILE,
  compileNoir,
  createBbProver,
  executeNoir,
  findBbBinary,
  noirProject,
  sensorStatsNoirInput,
  solidityVerifierForCrs,
} from '../../circuits/node.js'
import { testCrs } from '../circuits/honk/dev-crs.js'
import { signedBatchInput } from '../helpers/proven-dataset.js'
import { compileSolidity, deployLinked } from '../circuits/honk/honk-verifier.js'

/** The UltraHonk test circuit the batch is proved with (its committed verifier is slot 8's). */
export const HONK_CIRCUIT = 'sensor-stats-b16-v3-honk'

export interface HonkBatch {
  commitment: bigint
  /** bb's proof bytes (`evm` target). */
  proof: Uint8Array
  /** The six public signals (commitment, device, series, batch, sums, bounds). */
  publicSignals: bigint[]
  /** bb's Solidity verifier for the program's key, with the development CRS's tau·G2. */
  verifierSource: string
}

/** One batch of three readings signed by `device`, proved with UltraHonk (B = 16: ~22k gates, a 2^15-point CRS). */
export async function proveHonkBatch(device: DeviceKey, index = 0): Promise<HonkBatch> {
  const params = sensorStatsParams(HONK_CIRCUIT)
  const batch = { values: [100n + BigInt(index), 200n, 150n], times: [1000n, 1060n, 1120n].map((t) => t + BigInt(index) * 200n) }
  const { commitment, input } = await signedBatchInput(params, batch, {
    device,
    meaning: { metric: 'temperature', unit: '°C', scale: 0, offset: 0, nonce: 5n },
    band: { lo: 120n, hi: 180n },
    salt: 99n + BigInt(index),
    batchIndex: BigInt(index),
    last: false,
  })
  const crs = testCrs(32768)
  const prover = createBbProver({ bb: findBbBinary(), crsDir: crs.dir, crsPoints: crs.points })
  const program = await compileNoir(noirProject(getHonkCircuit(HONK_CIRCUIT).noir))
  const { witness } = await executeNoir(program, sensorStatsNoirInput(input))
  const proof = await prover.prove(program, witness, 'evm')
  const publicSignals = Array.from({ length: proof.publicInputs.length / 32 }, (_, i) =>
    BigInt(`0x${Buffer.from(proof.publicInputs.subarray(32 * i, 32 * i + 32)).toString('hex')}`),
  )
  const verifierSource = solidityVerifierForCrs(await prover.solidityVerifier(proof.vk), readFileSync(join(crs.dir, BB_G2_FILE)))
  return { commitment, proof: proof.proof, publicSignals, verifierSource }
}

/** Compiles bb's verifier source once (solc, ~7 s); `deploy` puts it on a chain with its libraries linked. */
export function compileHonkVerifier(source: string): { deploy(signer: Signer): Promise<string> } {
  const contracts = compileSolidity(source)
  return { deploy: (signer) => deployLinked(contracts, 'HonkVerifier', signer) }
}
