import { z } from 'zod'
import { AssayError } from '../core/index.js'

/**
 * The proof systems a verifier slot can hold, in the order of DatasetRegistry's `ProofSystem` enum
 * (a system's index is its on-chain value).
 */
export const PROOF_SYSTEMS = ['groth16', 'ultrahonk'] as const
export type ProofSystemName = (typeof PROOF_SYSTEMS)[number]

/** The on-chain `ProofSystem` value of a proof system. */
export const proofSystemValue = (system: ProofSystemName): number => PROOF_SYSTEMS.indexOf(system)

export interface VerifierSlot {
  readonly slot: number
  readonly circuitId: string
  /** The generated verifier contract (contracts/src/generated/<contract>.sol). */
  readonly contract: string
  /** How `verifyBatch` calls it: Groth16 (`verifyProof`, a uint256[8] proof) or UltraHonk (`verify`, bb's proof bytes). */
  readonly system: ProofSystemName
}

/**
 * Verifier slots of DatasetRegistry (the `circuit` a dataset names on-chain), one per SensorStats
 * circuit and proof system. Slots are permanent: a slot's verifier is installed once and never
 * replaced, so a new circuit version gets a new slot. An UltraHonk slot is installed only when its
 * verifier was built (`honkVerifierCodeHashes`) and a setup record is given for it (see
 * `installableVerifierSlots`).
 */
export const VERIFIER_SLOTS = [
  { slot: 0, circuitId: 'sensor-stats-b16-v1', contract: 'SensorStatsB16TestVerifier', system: 'groth16' },
  { slot: 1, circuitId: 'sensor-stats-16bit-b400-v1', contract: 'SensorStats16BitVerifier', system: 'groth16' },
  { slot: 2, circuitId: 'sensor-stats-24bit-b336-v1', contract: 'SensorStats24BitVerifier', system: 'groth16' },
  { slot: 3, circuitId: 'sensor-stats-32bit-b280-v1', contract: 'SensorStats32BitVerifier', system: 'groth16' },
  // v2 (v1 is retired: its slots stay so its datasets remain checkable on-chain, nothing new uses them).
  { slot: 4, circuitId: 'sensor-stats-b16-v2', contract: 'SensorStatsB16TestV2Verifier', system: 'groth16' },
  { slot: 5, circuitId: 'sensor-stats-16bit-b400-v2', contract: 'SensorStats16BitV2Verifier', system: 'groth16' },
  { slot: 6, circuitId: 'sensor-stats-24bit-b336-v2', contract: 'SensorStats24BitV2Verifier', system: 'groth16' },
  { slot: 7, circuitId: 'sensor-stats-32bit-b280-v2', contract: 'SensorStats32BitV2Verifier', system: 'groth16' },
  // v2 statements in Noir, proved with UltraHonk (bb's Solidity verifier, linked libraries).
  { slot: 8, circuitId: 'sensor-stats-b16-v3-honk', contract: 'SensorStatsB16TestV3HonkVerifier', system: 'ultrahonk' },
  { slot: 9, circuitId: 'sensor-stats-16bit-b1152-v3-honk', contract: 'SensorStats16BitV3HonkVerifier', system: 'ultrahonk' },
  { slot: 10, circuitId: 'sensor-stats-24bit-b1152-v3-honk', contract: 'SensorStats24BitV3HonkVerifier', system: 'ultrahonk' },
  { slot: 11, circuitId: 'sensor-stats-32bit-b1128-v3-honk', contract: 'SensorStats32BitV3HonkVerifier', system: 'ultrahonk' },
] as const satisfies readonly VerifierSlot[]

/** The verifier slot of a circuit. @throws {DeploymentError} for a circuit without one. */
export function verifierSlotOf(circuitId: string): number {
  const entry = VERIFIER_SLOTS.find((s) => s.circuitId === circuitId)
  if (entry === undefined) throw new DeploymentError(`no verifier slot for circuit ${circuitId}`)
  return entry.slot
}

/** The proof system of a circuit's verifier slot. @throws {DeploymentError} for a circuit without one. */
export function proofSystemOfCircuit(circuitId: string): ProofSystemName {
  const entry = VERIFIER_SLOTS.find((s) => s.circuitId === circuitId)
  if (entry === undefined) throw new DeploymentError(`no verifier slot for circuit ${circuitId}`)
  return entry.system
}

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/)

/** Where Assay's contracts live on one chain (saved as deployment.json). */
export const deploymentSchema = z.strictObject({
  version: z.literal(1),
  chainId: z.number().int().positive(),
  deployer: address,
  /** Block of the first deployment transaction: indexers start here. */
  startBlock: z.number().int().nonnegative(),
  contracts: z.strictObject({
    poseidonT3: address,
    deviceRegistry: address,
    datasetRegistry: address,
    dataMarket: address,
    /** The generated Groth16 verifier of the key-transfer circuit, used by KeyEscrow. */
    keyTransferVerifier: address,
    /** Trustless key delivery: orders paid into escrow, settled with a key-transfer proof. */
    keyEscrow: address,
    /** A development stablecoin (tUSD), on development chains only. */
    testStablecoin: address.optional(),
  }),
  /** Verifier contract per circuit id, with the sha256 (and CID) of the setup record anchored with it. */
  verifiers: z.record(
    z.string(),
    z.strictObject({
      slot: z.number().int().min(0).max(255),
      address,
      /** The slot's proof system (absent in deployments made before UltraHonk: Groth16). */
      system: z.enum(PROOF_SYSTEMS).optional(),
      setupRecord: z
        .string()
        .regex(/^0x[0-9a-f]{64}$/)
        .optional(),
    }),
  ),
  /**
   * keccak256 over the creation code of every contract deployed (`contractsCodeHash`): a node
   * built from other contracts refuses the deployment instead of calling an ABI it lacks.
   */
  codeHash: z
    .string()
    .regex(/^0x[0-9a-f]{64}$/)
    .optional(),
})

export type Deployment = z.infer<typeof deploymentSchema>

/** A deployment that cannot be made, read or trusted. */
export class DeploymentError extends AssayError {
  override readonly category = 'internal' as const
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'DeploymentError'
  }
}

/** Validates a deployment record. @throws {DeploymentError} naming the bad field */
export function parseDeployment(value: unknown): Deployment {
  const parsed = deploymentSchema.safeParse(value)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new DeploymentError(`invalid deployment: ${issue.path.join('.') || '(root)'}: ${issue.message}`, { cause: parsed.error })
  }
  return parsed.data
}
