/**
 * Poseidon2 over the BN254 scalar field, width 4 (the instance of Grassi, Khovratovich and Schofnegger,
 * "Poseidon2", 2023, that Noir's `std::hash::poseidon2_permutation` and Barretenberg's Poseidon2 gate
 * implement): S-box x^5, 8 full rounds and 56 partial rounds, the external matrix M4 and the internal
 * matrix diag(INTERNAL_DIAGONAL) + 1. Round constants are generated here from the paper's Grain LFSR
 * (not copied): the same generator as Poseidon's reference, so a test against Noir's black box checks
 * the parameters as well as the code. Plain bigint arithmetic: runs in Node and in the browser.
 */
import { SNARK_FIELD } from '../core/index.js'

const T = 4
const ROUNDS_F = 8
const ROUNDS_P = 56
/** The internal matrix's diagonal minus one, as the reference instance for BN254 and t = 4 fixes it. */
const INTERNAL_DIAGONAL = [
  0x10dc6e9c006ea38b04b1e03b4bd9490c0d03f98929ca1d7fb56821fd19d3b6e7n,
  0x0c28145b6a44df3e0149b3d0a30b3bb599df9756d4dd9b84a86b38cfb45a740bn,
  0x00544b8338791518b2c7645a50392798b21f75bb60e3596170067d00141cac15n,
  0x222c01175718386f2e2e82eb122789e352e105a3b8fa852613bc534433ee428bn,
] as const

const mod = (a: bigint): bigint => a % SNARK_FIELD
const pow5 = (a: bigint): bigint => {
  const a2 = mod(a * a)
  return mod(mod(a2 * a2) * a)
}

/**
 * The Grain LFSR of the Poseidon reference parameters script: 80 bits seeded with the field type (prime),
 * S-box type (x^alpha), field size, width and round numbers, then 30 ones; 160 outputs discarded; bits
 * taken in pairs, the second kept when the first is 1. Constants are field-size integers, big-endian,
 * rejected when not below the modulus; R_F·t + R_P of them (partial rounds add to one element only).
 */
function grainRoundConstants(): bigint[] {
  const fieldBits = SNARK_FIELD.toString(2).length
  const bits = (value: number, width: number): number[] => [...value.toString(2).padStart(width, '0')].map(Number)
  const state = [
    ...bits(1, 2),
    ...bits(0, 4),
    ...bits(fieldBits, 12),
    ...bits(T, 12),
    ...bits(ROUNDS_F, 10),
    ...bits(ROUNDS_P, 10),
    ...Array<number>(30).fill(1),
  ]
  let head = 0 // a ring over the 80 bits: state[(head + i) % 80] is bit i
  const step = (): number => {
    const at = (i: number): number => state[(head + i) % 80]!
    const bit = at(62) ^ at(51) ^ at(38) ^ at(23) ^ at(13) ^ at(0)
    state[head] = bit
    head = (head + 1) % 80
    return bit
  }
  for (let i = 0; i < 160; i++) step()
  const randomBit = (): number => {
    for (;;) {
      const keep = step()
      const bit = step()
      if (keep === 1) return bit
    }
  }
  const constants: bigint[] = []
  while (constants.length < ROUNDS_F * T + ROUNDS_P) {
    let value = 0n
    for (let i = 0; i < fieldBits; i++) value = (value << 1n) | BigInt(randomBit())
    if (value < SNARK_FIELD) constants.push(value)
  }
  return constants
}

interface RoundConstants {
  /** Four per full round: the first half's rounds, then the second half's. */
  full: bigint[][]
  /** One per partial round. */
  partial: bigint[]
}

let roundConstants: RoundConstants | undefined
function constants(): RoundConstants {
  if (roundConstants === undefined) {
    const all = grainRoundConstants()
    const half = (ROUNDS_F / 2) * T
    const full = [...all.slice(0, half), ...all.slice(half + ROUNDS_P)]
    roundConstants = {
      full: Array.from({ length: ROUNDS_F }, (_, r) => full.slice(r * T, r * T + T)),
      partial: all.slice(half, half + ROUNDS_P),
    }
  }
  return roundConstants
}

/** M4 = [[5,7,1,3],[4,6,1,1],[1,3,5,7],[1,1,4,6]], the paper's external matrix for t = 4. */
function external(s: bigint[]): bigint[] {
  const [a, b, c, d] = s as [bigint, bigint, bigint, bigint]
  return [mod(5n * a + 7n * b + c + 3n * d), mod(4n * a + 6n * b + c + d), mod(a + 3n * b + 5n * c + 7n * d), mod(a + b + 4n * c + 6n * d)]
}

function internal(s: bigint[]): bigint[] {
  const sum = s.reduce((x, y) => x + y, 0n)
  return s.map((x, i) => mod(x * INTERNAL_DIAGONAL[i]! + sum))
}

/**
 * The Poseidon2 permutation of four field elements (Noir's `std::hash::poseidon2_permutation`).
 * @throws {RangeError} unless given four elements of the field
 */
export function poseidon2Permutation(input: readonly bigint[]): bigint[] {
  if (input.length !== T || input.some((x) => x < 0n || x >= SNARK_FIELD))
    throw new RangeError(`Poseidon2 permutes ${T} field elements, each in [0, p)`)
  const { full, partial } = constants()
  let s = external([...input])
  const fullRound = (c: bigint[]): void => {
    s = external(s.map((x, i) => pow5(x + c[i]!)))
  }
  for (let r = 0; r < ROUNDS_F / 2; r++) fullRound(full[r]!)
  for (const c of partial) {
    s[0] = pow5(s[0]! + c)
    s = internal(s)
  }
  for (let r = ROUNDS_F / 2; r < ROUNDS_F; r++) fullRound(full[r]!)
  return s
}

/**
 * Noir's `std::hash::poseidon2::Poseidon2::hash(input, input.length)`: a sponge of rate 3 and
 * capacity 1 whose capacity starts at length · 2^64, absorbing the inputs three at a time
 * (added to the state, then permuted) and returning the first element after the last permutation.
 * @throws {RangeError} for an input that is not a field element
 */
export function poseidon2Hash(inputs: readonly bigint[]): bigint {
  if (inputs.some((x) => x < 0n || x >= SNARK_FIELD)) throw new RangeError('Poseidon2 hashes field elements, each in [0, p)')
  let state = [0n, 0n, 0n, BigInt(inputs.length) << 64n]
  // The last chunk may hold one to three elements (none for an empty input): it is absorbed the same way.
  const chunks = Math.max(1, Math.ceil(inputs.length / 3))
  for (let k = 0; k < chunks; k++) {
    for (let i = 0; i < 3; i++) state[i] = mod(state[i]! + (inputs[3 * k + i] ?? 0n))
    state = poseidon2Permutation(state)
  }
  return state[0]!
}
