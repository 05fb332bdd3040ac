import { curves, type Groth16Proof, type PublicSignals } from 'snarkjs'
import { checkArtifact } from './artifact-manifest.js'

/** Groth16 verification key as exported by snarkjs. */
export type VerificationKey = Record<string, unknown> & { protocol: 'groth16'; nPublic: number }

/** The parts of ffjavascript's curve that verification uses. */
export interface Group {
  zero: Uint8Array
  fromObject(o: unknown): Uint8Array
  add(a: Uint8Array, b: Uint8Array): Uint8Array
  neg(a: Uint8Array): Uint8Array
  timesScalar(a: Uint8Array, s: bigint): Uint8Array
  isValid(a: Uint8Array): boolean
  isZero(a: Uint8Array): boolean
  toAffine(a: Uint8Array): Uint8Array
}
export interface Curve {
  r: bigint
  G1: Group
  G2: Group
  pairingEq(...points: Uint8Array[]): Promise<boolean>
}

// A single-threaded curve of its own: verification is a handful of operations, and dispatching
// them to snarkjs's worker pool made its latency jitter (13–29 ms); it also never needs
// terminating, so it cannot keep a process alive.
let verifierCurve: Promise<Curve> | undefined
/** The single-threaded bn128 curve verification uses (also batch verification's default). */
export const curve = (): Promise<Curve> =>
  (verifierCurve ??= curves.getCurveFromName('bn128', { singleThread: true }) as unknown as Promise<Curve>)

/** A snarkjs JSON point or scalar (decimal strings) as ffjavascript's fromObject takes it. */
export const big = (x: unknown): unknown => (Array.isArray(x) ? x.map(big) : typeof x === 'string' ? BigInt(x) : x)

/** Throws unless `vkey` is a Groth16 key over bn128, the only keys `who` verifies with. */
export function assertGroth16Key(vkey: VerificationKey, who: string): void {
  if (vkey.protocol !== 'groth16' || String(vkey.curve).toLowerCase() !== 'bn128') throw new Error(`${who} takes Groth16 keys over bn128`)
}

/** A proof as the curve holds it: its public signals as scalars and its points. */
export interface ParsedProof {
  signals: bigint[]
  a: Uint8Array
  b: Uint8Array
  c: Uint8Array
}

/**
 * snarkjs's checks before any pairing: as many signals as the key has public inputs, each in the
 * scalar field, and the proof's points on their curves. Undefined for a proof that fails them.
 */
export function parseProof(c: Curve, vkey: VerificationKey, publicSignals: PublicSignals, proof: Groth16Proof): ParsedProof | undefined {
  if (publicSignals.length !== vkey.nPublic) return undefined
  const signals = publicSignals.map((s) => BigInt(s))
  if (signals.some((s) => s < 0n || s >= c.r)) return undefined
  const a = c.G1.fromObject(big(proof.pi_a))
  const b = c.G2.fromObject(big(proof.pi_b))
  const cc = c.G1.fromObject(big(proof.pi_c))
  if (!c.G1.isValid(a) || !c.G2.isValid(b) || !c.G1.isValid(cc)) return undefined
  return { signals, a, b, c: cc }
}

/**
 * Verifies a Groth16 proof over BN254 (snarkjs's check: public inputs in the field, proof points
 * on their curves, e(−A, B)·e(vk_x, γ)·e(C, δ)·e(α, β) = 1). Runs in Node and in browsers.
 * Returns false for an invalid proof; throws only for malformed input.
 */
export async function verifyProof(vkey: VerificationKey, publicSignals: PublicSignals, proof: Groth16Proof): Promise<boolean> {
  assertGroth16Key(vkey, 'verifyProof')
  const c = await curve()
  const parsed = parseProof(c, vkey, publicSignals, proof)
  if (parsed === undefined) return false
  const ic = vkey.IC as unknown[]
  let vkX = c.G1.fromObject(big(ic[0]))
  parsed.signals.forEach((s, i) => {
    vkX = c.G1.add(vkX, c.G1.timesScalar(c.G1.fromObject(big(ic[i + 1])), s))
  })
  return c.pairingEq(
    c.G1.neg(parsed.a),
    parsed.b,
    vkX,
    c.G2.fromObject(big(vkey.vk_gamma_2)),
    parsed.c,
    c.G2.fromObject(big(vkey.vk_delta_2)),
    c.G1.fromObject(big(vkey.vk_alpha_1)),
    c.G2.fromObject(big(vkey.vk_beta_2)),
  )
}

/** Parses vkey JSON after checking it against the committed manifest. */
export async function loadVerificationKey(circuitId: string, bytes: Uint8Array): Promise<VerificationKey> {
  await checkArtifact(circuitId, 'vkey', bytes)
  return JSON.parse(new TextDecoder().decode(bytes)) as VerificationKey
}
