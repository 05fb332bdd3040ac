// Forged witnesses for SensorStatsV2 (the B = 16 test instance), as data: the circuit test runs
// them against the built circuit and scripts/check-circuit-mutations.ts against mutants of it.
//
// Every forgery is consistent: it changes what a cheating prover controls (an input, or a `<--`
// hint) and lets the circuit's own witness code recompute everything else, re-signing the forged
// statement with the device key so the signature check holds. Only then does a failing constraint
// say something: a forgery that merely left a stale wire behind would fail anywhere.
//
// How: the circuit's wasm stops at the first failing `===`, so witnesses come from a lenient build
// of the same sources (build/forgeries/lenient-<hash>): every `===` removed, and the hints min, max,
// maxGap and active[i] overridable through two extra inputs. Its values are copied, by signal
// name, onto the wires of the circuit under test, and that circuit's R1CS is checked constraint by
// constraint; each failing constraint is named by the signals on its wires (main.sym).
import { createHash, randomUUID } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  createDeviceKey,
  metricHash,
  SNARK_FIELD,
  sensorStatsParams,
  signEddsaPoseidon,
  type DeviceKey,
  type SeriesMeaning,
} from '../../circuits/index.js'
import { readBinSections } from '../../scripts/bin-file.js'
import { compileCircom } from '../../scripts/compile-circom.js'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const CIRCUIT_ID = 'sensor-stats-b16-v2'
export const params = sensorStatsParams(CIRCUIT_ID)
export const B = params.batchSize
const P = SNARK_FIELD
const VB = BigInt(params.valueBits)
const GB = BigInt(params.gapBits)
const TB = BigInt(params.timeBits)
/** The circuit source the expected failures name call sites in. */
export const SOURCE = 'circuits/src/sensor-stats-v2.circom'
const HINTS = ['min', 'max', 'maxGap'] as const

// ---------------------------------------------------------------- compiling

/** Removes comments (offsets of the rest do not matter: call sites are matched by order, see canonicalNames). */
function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' ')).replace(/\/\/[^\n]*/g, '')
}

/** Every `a === b;` statement removed: the witness code then computes on instead of stopping. */
export function withoutAssertions(text: string): string {
  // Split after each ; { } (a regex over whole statements backtracks badly on Poseidon's constant tables).
  return stripComments(text)
    .split(/(?<=[;{}])/)
    .map((part) => (part.includes('===') && part.endsWith(';') ? '' : part))
    .join('')
}

/** Replaces `from` (which must occur exactly once) by `to`. */
export function replaceOnce(text: string, from: string | RegExp, to: string, what = String(from)): string {
  const count = typeof from === 'string' ? text.split(from).length - 1 : [...text.matchAll(new RegExp(from, 'g'))].length
  if (count !== 1) throw new Error(`${what}: expected one match, found ${count}`)
  return text.replace(from, to)
}

/** SensorStatsV2 with its hints taken from inputs `hint[k]` when `hintOn[k]` is 1 (k: min, max, maxGap, then active[i]). */
function withHintInputs(text: string): string {
  let out = replaceOnce(text, 'signal input S;', 'signal input S;\n    signal input hintOn[3 + B];\n    signal input hint[3 + B];')
  HINTS.forEach((name, k) => {
    const from = new RegExp(`\\b${name} <-- (\\w+);`)
    out = replaceOnce(out, from, `${name} <-- hintOn[${k}] == 1 ? hint[${k}] : $1;`, `${name} hint`)
  })
  return replaceOnce(out, /active\[i\] <-- ([^;]+);/, 'active[i] <-- hintOn[3 + i] == 1 ? hint[3 + i] : ($1);', 'active hint')
}

async function listCircom(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true })
  const nested = await Promise.all(
    entries.map((e) =>
      e.isDirectory() ? listCircom(join(dir, e.name)) : Promise.resolve(e.name.endsWith('.circom') ? [join(dir, e.name)] : []),
    ),
  )
  return nested.flat()
}

const LENIENT = 'build/forgeries'

/**
 * Builds (once per source change) the lenient witness generator; returns its directory,
 * `build/forgeries/lenient-<stamp>`. Test files run in parallel and several build it: each builds
 * in a folder of its own and renames it into place, so a finished build is never rewritten while
 * another process reads it (the first rename wins; later builders use it and drop theirs).
 */
export async function buildLenient(): Promise<string> {
  const sources = [
    ...(await listCircom(join(ROOT, 'circuits', 'src'))),
    ...(await listCircom(join(ROOT, 'node_modules', 'circomlib', 'circuits'))),
  ]
  const hash = createHash('sha256').update(await readFile(new URL(import.meta.url)))
  const texts = new Map<string, string>()
  for (const file of sources) {
    const text = await readFile(file, 'utf8')
    texts.set(file, text)
    hash.update(relative(ROOT, file)).update(text)
  }
  const dir = `${LENIENT}/lenient-${hash.digest('hex').slice(0, 16)}`
  if (existsSync(join(ROOT, dir, 'done'))) return dir
  const work = `${LENIENT}/building-${process.pid}-${randomUUID()}`
  try {
    for (const [file, text] of texts) {
      const rel = relative(ROOT, file).replace(/^node_modules\//, '')
      let out = withoutAssertions(text)
      if (rel === SOURCE) out = withHintInputs(out)
      await mkdir(dirname(join(ROOT, work, rel)), { recursive: true })
      await writeFile(join(ROOT, work, rel), out)
    }
    const main = `${work}/main.circom`
    await writeFile(
      join(ROOT, main),
      `pragma circom 2.1.6;\ninclude "${SOURCE}";\ncomponent main = SensorStatsV2(${B}, ${params.valueBits}, ${params.timeBits}, ${params.gapBits});\n`,
    )
    // --O0: every signal keeps a wire, so every value the circuit under test needs is there.
    await compileCircom(main, work, { libs: [work], flags: ['--r1cs', '--wasm', '--sym', '--O0'] })
    await writeFile(join(ROOT, work, 'done'), '')
    try {
      await rename(join(ROOT, work), join(ROOT, dir))
    } catch (err) {
      // Another process renamed its identical build into place first.
      if (!existsSync(join(ROOT, dir, 'done'))) throw err
    }
  } finally {
    await rm(join(ROOT, work), { recursive: true, force: true })
  }
  return dir
}

// ---------------------------------------------------------------- witnesses and R1CS

export type CircuitInput = Record<string, string | string[]>

/** A compiled circuit: its constraints and wire names. */
export interface Circuit {
  dir: string
  /** wire → signal names. */
  names: string[][]
  /** signal name → wire (−1: optimised away). */
  wires: Map<string, number>
  nWires: number
  constraints: Array<[Array<[number, bigint]>, Array<[number, bigint]>, Array<[number, bigint]>]>
}

async function readSym(file: string): Promise<Array<[string, number]>> {
  return (await readFile(file, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [, wire, , name] = line.split(',')
      return [name!, Number(wire)]
    })
}

export async function loadR1cs(dir: string): Promise<Circuit> {
  const sections = readBinSections(await readFile(join(ROOT, dir, 'main.r1cs')), 'r1cs')
  const header = sections.get(1)!
  const n8 = header.readUInt32LE(0)
  const nWires = header.readUInt32LE(4 + n8)
  const nConstraints = header.readUInt32LE(4 + n8 + 24)
  const body = sections.get(2)!
  let at = 0
  const lc = (): Array<[number, bigint]> => {
    const terms: Array<[number, bigint]> = []
    const n = body.readUInt32LE(at)
    at += 4
    for (let t = 0; t < n; t++) {
      const wire = body.readUInt32LE(at)
      let coeff = 0n
      for (let i = n8 - 1; i >= 0; i--) coeff = (coeff << 8n) | BigInt(body[at + 4 + i]!)
      terms.push([wire, coeff])
      at += 4 + n8
    }
    return terms
  }
  const constraints: Circuit['constraints'] = []
  for (let c = 0; c < nConstraints; c++) constraints.push([lc(), lc(), lc()])
  const sym = await readSym(join(ROOT, dir, 'main.sym'))
  const names: string[][] = Array.from({ length: nWires }, () => [])
  for (const [name, wire] of sym) if (wire >= 0) names[wire]!.push(name)
  return { dir, names, wires: new Map(sym), nWires, constraints }
}

/**
 * Signal name → a name that is the same in every build of these sources: anonymous components are
 * named Template_line_offset, which moves when a source changes, so each becomes Template#k, its
 * rank among the parent's anonymous calls of that template.
 */
export function canonicalNames(names: Iterable<string>): Map<string, string> {
  const anonymous = /^(.+)_(\d+)_(\d+)((?:\[\d+\])*)$/
  const sites = new Map<string, Set<number>>()
  const all = [...names]
  for (const name of all) {
    const parts = name.split('.')
    parts.forEach((part, i) => {
      const m = anonymous.exec(part)
      if (m === null) return
      const key = `${parts.slice(0, i).join('.')}|${m[1]}`
      if (!sites.has(key)) sites.set(key, new Set())
      sites.get(key)!.add(Number(m[3]))
    })
  }
  const rank = new Map([...sites].map(([key, offsets]) => [key, [...offsets].sort((a, b) => a - b)]))
  return new Map(
    all.map((name) => {
      const parts = name.split('.')
      const canonical = parts.map((part, i) => {
        const m = anonymous.exec(part)
        if (m === null) return part
        return `${m[1]}#${rank.get(`${parts.slice(0, i).join('.')}|${m[1]}`)!.indexOf(Number(m[3]))}${m[4]}`
      })
      return [name, canonical.join('.')]
    }),
  )
}

function fnv(name: string): [number, number] {
  let h = 0xcbf29ce484222325n
  for (const c of name) h = ((h ^ BigInt(c.charCodeAt(0))) * 0x100000001b3n) & 0xffffffffffffffffn
  return [Number(h >> 32n), Number(h & 0xffffffffn)]
}

interface WitnessExports {
  init(sanityCheck: number): void
  getFieldNumLen32(): number
  writeSharedRWMemory(i: number, v: number): void
  readSharedRWMemory(i: number): number
  setInputSignal(hMSB: number, hLSB: number, i: number): void
  getWitnessSize(): number
  getWitness(i: number): void
  getMessageChar(): number
}

/** Runs a circom wasm witness generator (what circom's witness_calculator.js does, without its CommonJS wrapper). */
export async function calculateWitness(wasm: WebAssembly.Module, input: CircuitInput): Promise<bigint[]> {
  let errors = ''
  // Set once the instance exists; the runtime callbacks below only run after that.
  const exports: { e?: WitnessExports } = {}
  const message = (): string => {
    const e = exports.e!
    let s = ''
    for (let c = e.getMessageChar(); c !== 0; c = e.getMessageChar()) s += String.fromCharCode(c)
    return s
  }
  const instance = await WebAssembly.instantiate(wasm, {
    runtime: {
      exceptionHandler: (code: number) => {
        throw new Error(`witness generation failed (code ${code}): ${errors}`)
      },
      printErrorMessage: () => (errors += `${message()}\n`),
      writeBufferMessage: () => message(),
      showSharedRWMemory: () => {},
    },
  })
  const e = (exports.e = instance.exports as unknown as WitnessExports)
  const n32 = e.getFieldNumLen32()
  e.init(0)
  for (const [key, value] of Object.entries(input)) {
    const [hi, lo] = fnv(key)
    ;(Array.isArray(value) ? value : [value]).forEach((v, i) => {
      let x = ((BigInt(v) % P) + P) % P
      for (let j = 0; j < n32; j++) {
        e.writeSharedRWMemory(j, Number(x & 0xffffffffn))
        x >>= 32n
      }
      e.setInputSignal(hi, lo, i)
    })
  }
  const out: bigint[] = []
  for (let i = 0; i < e.getWitnessSize(); i++) {
    e.getWitness(i)
    let x = 0n
    for (let j = n32 - 1; j >= 0; j--) x = (x << 32n) | BigInt(e.readSharedRWMemory(j) >>> 0)
    out.push(x)
  }
  return out
}

/** A failing constraint: its index and the signals on its wires. */
export interface Failure {
  index: number
  signals: string[]
}

/** Constraints of `circuit` that `witness` breaks (A·w × B·w ≠ C·w). */
export function failingConstraints(circuit: Circuit, witness: readonly bigint[]): Failure[] {
  const dot = (terms: Array<[number, bigint]>): bigint => terms.reduce((acc, [wire, c]) => (acc + c * witness[wire]!) % P, 0n)
  const out: Failure[] = []
  circuit.constraints.forEach(([a, b, c], index) => {
    if ((dot(a) * dot(b) - dot(c)) % P !== 0n) {
      const signals = [...new Set([...a, ...b, ...c].flatMap(([wire]) => circuit.names[wire] ?? []))]
      out.push({ index, signals })
    }
  })
  return out
}

// ---------------------------------------------------------------- forgeries

/** An honest batch statement before signing. */
export interface Statement {
  values: bigint[]
  times: bigint[]
  lo: bigint
  hi: bigint
  batchIndex: bigint
  last: bigint
  salt: bigint
  /** Real readings; default values.length. */
  count?: bigint
  meaning?: SeriesMeaning
}

/** What a forgery makes: circuit input, hint overrides, raw wire overrides. */
export interface ForgedWitness {
  input: CircuitInput
  /** Values for `<--` hints; everything that depends on them is recomputed. */
  hints?: { min?: bigint; max?: bigint; maxGap?: bigint; active?: Record<number, bigint> }
  /** Canonical signal name → value, written last and recomputing nothing (for a wrong output claim). */
  wires?: Record<string, bigint>
  /** Values under `prefix` taken from the witness of another input (a sub-witness the prover swaps in whole). */
  borrow?: { prefix: string; input: CircuitInput }
  /** Last: edits values in place (wires a constraint removed in a mutant would leave free). */
  adjust?: (values: Map<string, bigint>) => void
  /** Default true: sign the statement the circuit computes with the device key. */
  resign?: boolean
}

export interface ForgeryContext {
  device: DeviceKey
  /** Another registered-looking key that never signed this batch. */
  other: DeviceKey
  meaning: SeriesMeaning
  /** The honest statement the forgeries start from. */
  base: Statement
  /** Circuit input for a statement (padded to B; unsigned unless `sign` is called on it). */
  input(statement: Statement): Promise<CircuitInput>
  /** Signs what the circuit computes from `input` (its message signal) with `key`. */
  sign(input: CircuitInput, key?: DeviceKey): Promise<CircuitInput>
}

export interface Forgery {
  name: string
  /**
   * Signal-name prefix of the constraint that must fail. `{text}` stands for the anonymous
   * component called as `text` in SensorStatsV2 (its name is Template_line_offset, see
   * resolveExpected), e.g. `main.{RangeCheck(VALUE_BITS)(min)}`.
   */
  expectedFailure: string
  /** Every failing constraint carries that prefix (a hint forgery that breaks exactly one relation). */
  only?: boolean
  build(ctx: ForgeryContext): Promise<ForgedWitness>
}

const t0 = 1_700_000_000n
/** Irregular gaps (60, 120, 30, ...) so that the largest gap is one reading, not all of them. */
export const BASE: Statement = {
  values: [1500n, 999n, 3001n, 2000n, 1000n, 3000n, 42n],
  times: [0n, 60n, 180n, 210n, 270n, 1270n, 1330n].map((t) => t0 + t),
  lo: 1000n,
  hi: 3000n,
  batchIndex: 3n,
  last: 0n,
  salt: 123456789n,
}

const with_ = (s: Statement, change: Partial<Statement>): Statement => ({ ...s, ...change })
const set = <T>(list: readonly T[], i: number, v: T): T[] => list.map((x, j) => (j === i ? v : x))
/** A forgery that changes the statement and re-signs it (the witness code recomputes the rest). */
const input =
  (change: (s: Statement) => Partial<Statement>): Forgery['build'] =>
  async (ctx) => ({ input: await ctx.input(with_(ctx.base, change(ctx.base))) })
/** A forgery that overrides one hint of the base statement. */
const hint =
  (hints: ForgedWitness['hints']): Forgery['build'] =>
  async (ctx) => ({ input: await ctx.input(ctx.base), hints })
/** A wrong output claimed over the honest witness (the output wire + `delta << shift`). */
const claim =
  (output: string, delta: bigint, shift = 0n): Forgery['build'] =>
  async (ctx) => ({ input: await ctx.input(ctx.base), wires: { [`main.${output}`]: delta << shift } })

function modInverse(a: bigint): bigint {
  // Fermat: a^(p−2) mod p.
  let [result, base, e] = [1n, ((a % P) + P) % P, P - 2n]
  for (; e > 0n; e >>= 1n, base = (base * base) % P) if (e & 1n) result = (result * base) % P
  return result
}

/**
 * Counts reading 1 (999, below lo = 1000) as in range: bit VB of 999 − 1000 + 2^VB set and every
 * signal downstream of the comparison raised by one; with `keepSum`, bit 0 lowered by 2^VB so the
 * bits still sum to a − b + 2^VB (then only their booleanity is broken).
 */
const countBelowLo =
  (keepSum: boolean) =>
  (values: Map<string, bigint>): void => {
    const ge = 'main.GreaterEqual#0[1]'
    const add = (name: string, delta: bigint): void => void values.set(name, values.get(name)! + delta)
    if (keepSum) add(`${ge}.bits[0]`, -(1n << VB))
    add(`${ge}.bits[${VB}]`, 1n)
    for (const name of [`${ge}.out`, 'main.aboveLo[1]', 'main.bothBounds[1]', 'main.counted[1]', 'main.inRange']) add(name, 1n)
    add('main.sums', 1n << 160n)
  }

const lowest = (s: Statement): bigint => s.values.reduce((a, b) => (b < a ? b : a))
const highest = (s: Statement): bigint => s.values.reduce((a, b) => (b > a ? b : a))
const gaps = (s: Statement): bigint[] => s.times.slice(1).map((t, i) => t - s.times[i]!)
const RC = (arg: string, bits = 'VALUE_BITS'): string => `main.{RangeCheck(${bits})(${arg})}`
const GAP_RC = RC('gap[i] - active[i]', 'GAP_BITS')
const MAXGAP_RC = RC('maxGap - gap[i]', 'GAP_BITS + 1')

export const FORGERIES: Forgery[] = [
  // --- readings out of range: the witness code computes min/max from them, the range checks refuse ---
  {
    name: 'a reading of 2^VB (one past the value width)',
    expectedFailure: RC('max'),
    build: input((s) => ({ values: set(s.values, 2, 1n << VB) })),
  },
  {
    name: 'a negative reading (p − 1)',
    expectedFailure: RC('min'),
    build: input((s) => ({ values: set(s.values, 2, P - 1n) })),
  },
  {
    name: 'a reading of p − 2^VB + 5000, the same packed word as 5000 one second later (min aliasing)',
    expectedFailure: RC('min'),
    build: input((s) => ({ values: set(s.values, 2, P + 5000n - (1n << VB)), times: set(s.times, 2, s.times[2]! + 1n) })),
  },
  {
    name: 'a reading of p − 1 among zeros (min wraps to −1)',
    expectedFailure: RC('min'),
    build: input(() => ({ values: [0n, P - 1n, 0n], times: [t0, t0 + 1n, t0 + 2n] })),
  },
  // --- padding ---
  {
    name: 'a padding slot carrying a value',
    expectedFailure: `main.values[${B - 1}]`,
    build: input((s) => ({
      count: BigInt(s.values.length),
      values: [...s.values, ...Array<bigint>(B - s.values.length - 1).fill(0n), 5n],
    })),
  },
  {
    name: 'a padding slot carrying a time',
    expectedFailure: `main.times[${B - 1}]`,
    build: input((s) => ({ count: BigInt(s.values.length), times: [...s.times, ...Array<bigint>(B - s.times.length - 1).fill(0n), 5n] })),
  },
  // --- times ---
  {
    name: 'a duplicate time',
    expectedFailure: `${GAP_RC}[2]`,
    build: input((s) => ({ times: set(s.times, 3, s.times[2]!) })),
  },
  {
    name: 'reversed times',
    expectedFailure: `${GAP_RC}[2]`,
    build: input((s) => ({ times: set(s.times, 3, s.times[2]! - 1n) })),
  },
  {
    name: 'a gap of 2^GB + 1',
    expectedFailure: `${GAP_RC}[0]`,
    build: input((s) => ({ times: s.times.map((t, i) => (i === 0 ? t : t + (1n << GB))) })),
  },
  {
    name: 'a first time of 2^TB',
    expectedFailure: RC('times[0]', 'TIME_BITS'),
    build: input((s) => ({ times: s.times.map((t) => t - s.times[0]! + (1n << TB)) })),
  },
  // --- count, last, batch index, bounds ---
  {
    name: 'a count of 0 over an all-zero batch',
    expectedFailure: 'main.count',
    build: input(() => ({ values: [0n], times: [0n], count: 0n })),
  },
  {
    name: `a count of ${B + 1} over a full batch`,
    expectedFailure: 'main.count',
    build: input((s) => ({
      values: Array.from({ length: B }, (_, i) => s.values[i % s.values.length]!),
      times: Array.from({ length: B }, (_, i) => t0 + 60n * BigInt(i)),
      count: BigInt(B + 1),
    })),
  },
  {
    name: 'a count one below the readings (the last one left in padding)',
    expectedFailure: `main.values[${BASE.values.length - 1}]`,
    build: input((s) => ({ count: BigInt(s.values.length - 1) })),
  },
  {
    name: 'last = 2 (not boolean), signed as such',
    // The optimiser substitutes `last` by the batch word, so its boolean constraint names `batch`.
    expectedFailure: 'main.batch',
    build: input(() => ({ last: 2n })),
  },
  {
    name: 'batchIndex = 2^32, signed as such (the same signed position as index 0 with last = 1)',
    expectedFailure: RC('batchIndex', '32'),
    build: input(() => ({ batchIndex: 1n << 32n })),
  },
  {
    name: 'batchIndex = p − 1',
    expectedFailure: RC('batchIndex', '32'),
    build: input(() => ({ batchIndex: P - 1n })),
  },
  {
    name: 'lo = 2^VB',
    expectedFailure: RC('lo'),
    build: input(() => ({ lo: 1n << VB })),
  },
  {
    name: 'lo = p − 1 (negative: every reading would count as above it)',
    expectedFailure: RC('lo'),
    build: input(() => ({ lo: P - 1n })),
  },
  {
    name: 'hi = 2^VB',
    expectedFailure: RC('hi'),
    build: input(() => ({ hi: 1n << VB })),
  },
  {
    name: 'hi = p − 2^VB + 3000 (aliases 3000 in a wrapped comparison)',
    expectedFailure: RC('hi'),
    build: input(() => ({ hi: P - (1n << VB) + 3000n })),
  },
  {
    // Readings all ≥ 1000 keep hi − v + 2^VB within GreaterEqual's VB + 1 bits: only RangeCheck(hi)
    // stops hi's bit VB from landing in the batch word's `last` slot.
    name: 'hi = 2^VB + 999 over a full batch of readings ≥ 1000',
    expectedFailure: RC('hi'),
    only: true,
    build: input(() => ({
      values: Array.from({ length: B }, (_, i) => 1000n + BigInt(i)),
      times: Array.from({ length: B }, (_, i) => t0 + 60n * BigInt(i)),
      hi: (1n << VB) + 999n,
    })),
  },
  // --- hints (`<--`): overwritten, everything depending on them recomputed ---
  {
    name: 'min below every reading',
    expectedFailure: 'main.minProduct',
    only: true,
    build: async (ctx) => hint({ min: lowest(ctx.base) - 1n })(ctx),
  },
  {
    name: 'min a reading but not the lowest',
    expectedFailure: `${RC('aboveMin[i]')}[6]`,
    only: true,
    build: hint({ min: 999n }),
  },
  {
    name: 'min = 2^VB',
    expectedFailure: RC('min'),
    build: hint({ min: 1n << VB }),
  },
  {
    name: 'min = p − 1',
    expectedFailure: RC('min'),
    build: hint({ min: P - 1n }),
  },
  {
    name: 'max above every reading',
    expectedFailure: 'main.maxProduct',
    only: true,
    build: async (ctx) => hint({ max: highest(ctx.base) + 1n })(ctx),
  },
  {
    name: 'max = 2^VB − 1 (top of its slot, not a reading)',
    expectedFailure: 'main.maxProduct',
    only: true,
    build: hint({ max: (1n << VB) - 1n }),
  },
  {
    name: 'max a reading but not the highest',
    expectedFailure: `${RC('belowMax[i]')}[2]`,
    only: true,
    build: hint({ max: 3000n }),
  },
  {
    name: 'max = 2^VB',
    expectedFailure: RC('max'),
    build: hint({ max: 1n << VB }),
  },
  {
    name: 'maxGap above every gap',
    expectedFailure: 'main.gapProduct',
    only: true,
    build: async (ctx) => hint({ maxGap: gaps(ctx.base).reduce((a, b) => (b > a ? b : a)) + 1n })(ctx),
  },
  {
    name: 'maxGap a gap but not the largest',
    expectedFailure: `${MAXGAP_RC}[4]`,
    only: true,
    build: hint({ maxGap: 120n }),
  },
  {
    name: 'maxGap = 2^(GB + 1) + 60 (beyond its bound, above every gap)',
    expectedFailure: MAXGAP_RC,
    build: hint({ maxGap: (2n << GB) + 60n }),
  },
  {
    name: 'maxGap 0 over several readings',
    expectedFailure: MAXGAP_RC,
    build: hint({ maxGap: 0n }),
  },
  {
    name: 'active[7] = 1 past count',
    expectedFailure: 'main.count',
    build: hint({ active: { 7: 1n } }),
  },
  {
    name: 'active[3] = 0 inside the prefix',
    expectedFailure: 'main.active[4]',
    build: hint({ active: { 3: 0n } }),
  },
  {
    name: 'active[2] = 2 (not boolean)',
    expectedFailure: 'main.active[2]',
    build: hint({ active: { 2: 2n } }),
  },
  {
    name: 'active[0] = 0 with a count of 0 over an all-zero batch',
    expectedFailure: 'main.count',
    build: async (ctx) => ({
      input: await ctx.input(with_(ctx.base, { values: [0n], times: [0n], count: 0n })),
      hints: { active: { 0: 0n } },
    }),
  },
  // --- the signature binds commitment, series, index and end marker to the device key ---
  {
    name: 'a batch signed by another key',
    expectedFailure: 'main.signature',
    build: async (ctx) => ({ input: await ctx.sign(await ctx.input(ctx.base), ctx.other), resign: false }),
  },
  {
    name: 'a signature of batch index 2 proven as index 3',
    expectedFailure: 'main.signature',
    build: async (ctx) => {
      const signed = await ctx.sign(await ctx.input(with_(ctx.base, { batchIndex: 2n })))
      return { input: { ...signed, batchIndex: '3' }, resign: false }
    },
  },
  {
    name: 'a signature of a non-final batch proven as the last',
    expectedFailure: 'main.signature',
    build: async (ctx) => ({ input: { ...(await ctx.sign(await ctx.input(ctx.base))), last: '1' }, resign: false }),
  },
  {
    name: 'a signature proven under another scale (another series meaning)',
    expectedFailure: 'main.signature',
    build: async (ctx) => ({
      input: { ...(await ctx.sign(await ctx.input(ctx.base))), scale: String(ctx.meaning.scale + 1) },
      resign: false,
    }),
  },
  {
    name: 'a signature proven with another reading',
    expectedFailure: 'main.signature',
    build: async (ctx) => {
      const signed = await ctx.sign(await ctx.input(ctx.base))
      return { input: { ...signed, values: set(signed.values as string[], 0, '1501') }, resign: false }
    },
  },
  // --- sub-witnesses a prover could only swap in if a constraint were missing (see the mutation check) ---
  {
    // Σ bits·2^i = min still holds, with bits[31] no bit: only booleanity stops the aliased min.
    name: 'the aliased min decomposed into "bits" that are not bits',
    // (bits[31] itself is optimised into the constraint on min and the other bits.)
    expectedFailure: RC('min'),
    only: true,
    build: async (ctx) => ({
      input: await ctx.input(
        with_(ctx.base, {
          values: set(ctx.base.values, 2, P + 3001n - (1n << VB)),
          times: set(ctx.base.times, 2, ctx.base.times[2]! + 1n),
        }),
      ),
      adjust: (values) => {
        const bit = (i: bigint): string => `main.RangeCheck#0.bits[${i}]`
        let low = 0n
        for (let i = 0n; i < VB - 1n; i++) low += values.get(bit(i))! << i
        const top = ((values.get('main.min')! - low) * modInverse(1n << (VB - 1n))) % P
        values.set(bit(VB - 1n), top)
      },
    }),
  },
  {
    // 999 < lo = 1000, counted as in range: bit VB of 999 − 1000 + 2^VB set, bit 0 made up to keep the sum.
    name: 'a reading below lo counted in range through comparison "bits" that are not bits',
    expectedFailure: 'main.{GreaterEqual(VALUE_BITS)(values[i], lo)}[1].bits[0]',
    only: true,
    build: async (ctx) => ({ input: await ctx.input(ctx.base), adjust: countBelowLo(true) }),
  },
  {
    name: 'a reading below lo counted in range through a flipped comparison bit',
    expectedFailure: 'main.{GreaterEqual(VALUE_BITS)(values[i], lo)}[1]',
    only: true,
    build: async (ctx) => ({ input: await ctx.input(ctx.base), adjust: countBelowLo(false) }),
  },
  {
    // Slot 3 is padding with active[3] = −1: every relation but booleanity holds (count 2 = 1 + 1 + 1 − 1),
    // and the statement gains a gap of 2 and a lastTime of 4 the device never signed.
    name: 'active[3] = −1 after three zero readings',
    expectedFailure: 'main.active[3]',
    only: true,
    build: async (ctx) => ({
      input: await ctx.input(with_(ctx.base, { values: [0n, 0n, 0n], times: [0n, 1n, 2n], count: 2n, lo: 0n, hi: 10n })),
      hints: { active: { 2: 1n, 3: -1n }, maxGap: 2n },
    }),
  },
  {
    // A hole at slot 2: slot 3's reading is counted, its gap measured from time 0.
    name: 'active 1, 1, 0, 1 (a hole in the prefix)',
    expectedFailure: 'main.active[3]',
    only: true,
    build: async (ctx) => ({
      input: await ctx.input(with_(ctx.base, { values: [0n, 10n, 0n, 5n], times: [0n, 1n, 0n, 5n], count: 3n, lo: 0n, hi: 10n })),
      hints: { active: { 2: 0n, 3: 1n }, maxGap: 5n },
    }),
  },
  {
    name: 'a batch signed by another key with the signature check switched off (enabled = 0)',
    expectedFailure: 'main.signature',
    build: async (ctx) => ({
      input: await ctx.sign(await ctx.input(ctx.base), ctx.other),
      resign: false,
      adjust: (values) => {
        for (const name of values.keys()) if (/^main\.signature\.(eqCheck[XY]\.)?enabled$/.test(name)) values.set(name, 0n)
      },
    }),
  },
  {
    name: 'a signature of batch index 2 checked against its own message while index 3 is proven',
    expectedFailure: 'main.signature',
    build: async (ctx) => {
      const signed = await ctx.sign(await ctx.input(with_(ctx.base, { batchIndex: 2n })))
      return { input: { ...signed, batchIndex: '3' }, resign: false, borrow: { prefix: 'main.signature.', input: signed } }
    },
  },
  // --- wrong output claims over an honest witness: each packed word is bound to what it packs ---
  ...(
    [
      ['commitment', 1n, 0n, 'main.commitment'],
      ['device', 1n, 0n, 'main.device'],
      ['series', 1n, 0n, 'main.series'],
      ['batch (count + 1)', 1n, 32n, 'main.batch'],
      ['batch (lo + 1)', 1n, 48n, 'main.batch'],
      ['batch (last + 1)', 1n, 112n, 'main.batch'],
      ['sums (sum + 1)', 1n, 0n, 'main.sums'],
      ['sums (sumSq + 1)', 1n, 64n, 'main.sums'],
      ['sums (inRange + 1)', 1n, 160n, 'main.sums'],
      ['bounds (min − 1)', -1n, 0n, 'main.bounds'],
      ['bounds (max + 1)', 1n, 32n, 'main.bounds'],
      ['bounds (firstTime + 1)', 1n, 64n, 'main.bounds'],
      ['bounds (lastTime + 60)', 60n, 128n, 'main.bounds'],
      ['bounds (maxGap + 1)', 1n, 192n, 'main.bounds'],
    ] as const
  ).map(([name, delta, shift, signal]): Forgery => ({
    name: `a claimed ${name}`,
    expectedFailure: signal,
    build: claim(signal.slice('main.'.length), delta, shift),
  })),
]

// ---------------------------------------------------------------- running forgeries

/** `{text}` → the anonymous component called as `text` in SOURCE: Template_line_byteOffset. */
export function resolveExpected(expected: string, source: string): string {
  return expected.replace(/\{([^}]+)\}/g, (_, call: string) => {
    const at = source.indexOf(call)
    if (at < 0 || source.indexOf(call, at + 1) >= 0) throw new Error(`${call}: not exactly one call in ${SOURCE}`)
    const before = source.slice(0, at)
    return `${call.slice(0, call.indexOf('('))}_${before.split('\n').length}_${Buffer.byteLength(before)}`
  })
}

/** Whether `signal` is `prefix` or inside it (`prefix.x`, `prefix[i]`). */
export function under(signal: string, prefix: string): boolean {
  return signal === prefix || (signal.startsWith(prefix) && /^[.[]/.test(signal.slice(prefix.length)))
}

/** Runs forgeries: lenient witness → values by name → the witness of a circuit under test → its failing constraints. */
export class ForgeryHarness implements ForgeryContext {
  private constructor(
    readonly device: DeviceKey,
    readonly other: DeviceKey,
    readonly meaning: SeriesMeaning,
    readonly base: Statement,
    private readonly lenient: WebAssembly.Module,
    private readonly lenientNames: string[],
    /** name in the original build → canonical name. */
    readonly canonical: Map<string, string>,
    private readonly metric: bigint,
    private readonly honestSignature: { R8x: bigint; R8y: bigint; S: bigint },
  ) {}

  static async create(): Promise<ForgeryHarness> {
    const dir = await buildLenient()
    const lenient = await WebAssembly.compile(await readFile(join(ROOT, dir, 'main_js', 'main.wasm')))
    const lenientSym = await readSym(join(ROOT, dir, 'main.sym'))
    const lenientNames: string[] = []
    const canonicalLenient = canonicalNames(lenientSym.map(([n]) => n))
    for (const [name, wire] of lenientSym) if (wire >= 0) lenientNames[wire] = canonicalLenient.get(name)!
    const original = await readSym(join(ROOT, 'build', 'circuits', CIRCUIT_ID, 'main.sym'))
    const device = await createDeviceKey()
    const meaning: SeriesMeaning = { metric: 'temperature', unit: 'degC', scale: 2, offset: 0, nonce: 77n }
    const metric = await metricHash(meaning.metric, meaning.unit)
    // A valid signature of something, so the verifier's point arithmetic sees curve points before re-signing.
    const placeholder = await signEddsaPoseidon(device.privateKey, 1n)
    return new ForgeryHarness(
      device,
      await createDeviceKey(),
      meaning,
      BASE,
      lenient,
      lenientNames,
      canonicalNames(original.map(([n]) => n)),
      metric,
      placeholder,
    )
  }

  input(s: Statement): Promise<CircuitInput> {
    const pad = (list: bigint[]): string[] => [...list, ...Array<bigint>(Math.max(0, B - list.length)).fill(0n)].map(String)
    const meaning = s.meaning ?? this.meaning
    const str = (x: bigint | number): string => x.toString()
    return Promise.resolve({
      lo: str(s.lo),
      hi: str(s.hi),
      count: str(s.count ?? BigInt(s.values.length)),
      Ax: str(this.device.Ax),
      Ay: str(this.device.Ay),
      metricHash: str(this.metric),
      scale: str(meaning.scale),
      offset: str(meaning.offset),
      nonce: str(meaning.nonce),
      batchIndex: str(s.batchIndex),
      last: str(s.last),
      values: pad(s.values),
      times: pad(s.times),
      salt: str(s.salt),
      R8x: str(this.honestSignature.R8x),
      R8y: str(this.honestSignature.R8y),
      S: str(this.honestSignature.S),
    })
  }

  /** Lenient witness values by canonical name. */
  async values(input: CircuitInput, hints: ForgedWitness['hints'] = {}): Promise<Map<string, bigint>> {
    const on = Array<string>(3 + B).fill('0')
    const value = Array<string>(3 + B).fill('0')
    HINTS.forEach((name, k) => {
      const v = hints[name]
      if (v !== undefined) [on[k], value[k]] = ['1', String(((v % P) + P) % P)]
    })
    for (const [i, v] of Object.entries(hints.active ?? {})) [on[3 + Number(i)], value[3 + Number(i)]] = ['1', String(((v % P) + P) % P)]
    const w = await calculateWitness(this.lenient, { ...input, hintOn: on, hint: value })
    return new Map(this.lenientNames.flatMap((name, wire) => (name === undefined ? [] : [[name, w[wire]!] as [string, bigint]])))
  }

  async sign(input: CircuitInput, key: DeviceKey = this.device): Promise<CircuitInput> {
    const message = (await this.values(input)).get('main.message')!
    const signature = await signEddsaPoseidon(key.privateKey, message)
    return { ...input, R8x: String(signature.R8x), R8y: String(signature.R8y), S: String(signature.S) }
  }

  /** Canonical name → value for a forged witness (re-signed unless it says otherwise). */
  async forge(forged: ForgedWitness): Promise<Map<string, bigint>> {
    const input = forged.resign === false ? forged.input : await this.sign(forged.input)
    const values = await this.values(input, forged.hints)
    for (const [name, delta] of Object.entries(forged.wires ?? {})) {
      const v = values.get(name)
      if (v === undefined) throw new Error(`no signal ${name}`)
      values.set(name, (((v + delta) % P) + P) % P)
    }
    if (forged.borrow !== undefined) {
      const { prefix, input: other } = forged.borrow
      for (const [name, v] of await this.values(other)) if (name.startsWith(prefix)) values.set(name, v)
    }
    forged.adjust?.(values)
    for (const [name, v] of values) values.set(name, ((v % P) + P) % P)
    return values
  }

  /** The witness of `circuit` (same sources up to removed constraints) holding `values`. */
  witnessFor(circuit: Circuit, values: Map<string, bigint>): bigint[] {
    const w = Array<bigint>(circuit.nWires).fill(0n)
    w[0] = 1n
    circuit.names.forEach((names, wire) => {
      if (wire === 0) return
      const name = names[0]!
      const v = values.get(this.canonical.get(name) ?? name)
      if (v === undefined) throw new Error(`the lenient build has no value for ${name}`)
      w[wire] = v
    })
    return w
  }

  /** The constraints of `circuit` that the forgery breaks (none: the circuit accepts it). */
  async run(forgery: Forgery, circuit: Circuit): Promise<Failure[]> {
    return failingConstraints(circuit, this.witnessFor(circuit, await this.forge(await forgery.build(this))))
  }
}
