import { AssayError, LOCAL_DEV_CHAIN_ID } from '../../core/index.js'
import {
  buildHonkSetupRecord,
  circuitForSystem,
  isHonkCircuit,
  listCircuits,
  setupOf,
  setupOfHonkRecord,
  type CircuitSetup,
  type ProofSystem,
} from '../../circuits/index.js'

export { LOCAL_DEV_CHAIN_ID }

/** A publication's proofs would be made under a development setup on a chain where they would be believed. */
export class DevelopmentSetupError extends AssayError {
  override readonly category = 'conflict' as const
  readonly circuitId: string
  readonly chainId: number

  constructor(circuitId: string, chainId: number) {
    super(
      `circuit ${circuitId} has a development setup (anyone can forge its proofs): not publishing on chain ${chainId}; ` +
        'build the circuits from a ceremony (`assay setup`), or set ASSAY_ALLOW_DEV_SETUP=1 to publish anyway',
    )
    this.name = 'DevelopmentSetupError'
    this.circuitId = circuitId
    this.chainId = chainId
  }
}

/**
 * Refuses, before anything is proven, to publish with a circuit whose setup lets anyone forge
 * proofs, unless the chain is the local development one or the operator forces it.
 * `circuitId`: the circuit the publication asks for; absent, every production circuit (the
 * publication picks one of them once it has read its data); `proofSystem`: the system it proves
 * with (an UltraHonk circuit's setup is its reference string).
 *
 * @throws {DevelopmentSetupError} naming the first such circuit.
 */
export function assertPublishingSetup(
  circuitId: string | undefined,
  options: { chainId: number; allowDevelopmentSetup?: boolean; proofSystem?: ProofSystem },
): void {
  if (options.chainId === LOCAL_DEV_CHAIN_ID || options.allowDevelopmentSetup === true) return
  const system = options.proofSystem
  const statements = circuitId !== undefined ? [circuitId] : listCircuits().flatMap(([id, e]) => (e.purpose === 'production' ? [id] : []))
  const candidates = system !== undefined ? statements.map((id) => circuitForSystem(id, system)) : statements
  const setup = (id: string): CircuitSetup => (isHonkCircuit(id) ? setupOfHonkRecord(buildHonkSetupRecord(id)) : setupOf(id))
  const development = candidates.find((id) => setup(id).warning !== undefined)
  if (development !== undefined) throw new DevelopmentSetupError(development, options.chainId)
}
