// Mutation check of SensorStatsV2's safety constraints: each mutation removes one constraint from
// circuits/src (sensor-stats-v2.circom or range-check.circom), the mutant is compiled at the test
// size (B = 16) and every forgery of tests/circuits/forgeries.ts is run against it (witness and
// R1CS check, no proving key). A mutation is caught when a forgery the real circuit rejects is
// accepted by the mutant, or the honest witness no longer satisfies it. A missed mutation means
// the forgery suite cannot tell that constraint is there: add a forgery that needs it.
//
// Usage: tsx scripts/check-circuit-mutations.ts [--only <name substring>] [--with-control]
//   --with-control adds a mutation no forgery targets, to see the check fail (exit 1).
// Prints one line per mutation and a final JSON line {"mutations","caught","missed","seconds"}.
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { compileCircom } from './compile-circom.js'
import {
  B,
  CIRCUIT_ID,
  failingConstraints,
  FORGERIES,
  ForgeryHarness,
  loadR1cs,
  params,
  replaceOnce,
  ROOT,
  SOURCE,
  type Circuit,
  type Forgery,
} from '../tests/circuits/forgeries.js'

const RANGE_CHECK = 'circuits/src/range-check.circom'

interface Mutation {
  name: string
  file: typeof SOURCE | typeof RANGE_CHECK
  /** Text (one line) to remove, or to rewrite when `to` is given; must occur once after `within`. */
  find: string
  /** Replacement of the same byte length (default: blanks), so no other call site moves. */
  to?: string
  /** Search from this marker on (to pick one template's copy of a shared line). */
  within?: string
}

const rc = (arg: string, bits = 'VALUE_BITS'): Mutation => ({
  name: `no RangeCheck(${bits})(${arg})`,
  file: SOURCE,
  find: `RangeCheck(${bits})(${arg});`,
})
const drop = (name: string, find: string, file: Mutation['file'] = SOURCE, within?: string): Mutation => ({ name, file, find, within })

export const MUTATIONS: Mutation[] = [
  rc('min'),
  rc('max'),
  rc('aboveMin[i]'),
  rc('belowMax[i]'),
  rc('lo'),
  rc('hi'),
  rc('times[0]', 'TIME_BITS'),
  rc('gap[i] - active[i]', 'GAP_BITS'),
  rc('maxGap - gap[i]', 'GAP_BITS + 1'),
  rc('batchIndex', '32'),
  drop('active[i] not boolean', 'active[i] * (active[i] - 1) === 0;'),
  drop('active not a prefix', 'active[i] * (1 - active[i - 1]) === 0;'),
  drop('padding values not zero', '(1 - active[i]) * values[i] === 0;'),
  drop('padding times not zero', '(1 - active[i]) * times[i] === 0;'),
  drop('active[0] === 1 removed', 'active[0] === 1;'),
  drop('activeSum === count removed', 'activeSum === count;'),
  drop('min not attained', 'minProduct[B - 1] === 0;'),
  drop('max not attained', 'maxProduct[B - 1] === 0;'),
  drop('maxGap not attained (gapProduct)', 'gapProduct[B - 1] === 0;'),
  drop('last not boolean', 'last * (last - 1) === 0;'),
  { name: 'signature check not forced on', file: SOURCE, find: 'signature.enabled <== 1;', to: 'signature.enabled <-- 1;' },
  { name: 'signed message not bound to the statement', file: SOURCE, find: 'signature.M <== message;', to: 'signature.M <-- message;' },
  drop('RangeCheck bits not boolean', 'bits[i] * (bits[i] - 1) === 0;', RANGE_CHECK, 'template RangeCheck('),
  drop('RangeCheck bits not summed to its input', 'sum === in;', RANGE_CHECK, 'template RangeCheck('),
  drop('GreaterEqual bits not boolean', 'bits[i] * (bits[i] - 1) === 0;', RANGE_CHECK, 'template GreaterEqual('),
  drop('GreaterEqual bits not summed to a − b + 2^n', 'sum === a - b + (1 << n);', RANGE_CHECK, 'template GreaterEqual('),
]

/** Removes a constraint no forgery targets: the check must report it (and exit 1). */
const CONTROL: Mutation = {
  name: 'control: counted not bound to active',
  file: SOURCE,
  find: 'counted[i] <== bothBounds[i] * active[i];',
  to: 'counted[i] <-- bothBounds[i] * active[i];',
}

function mutate(text: string, m: Mutation): string {
  if (m.find.includes('\n')) throw new Error(`${m.name}: one line only (line numbers name call sites)`)
  const to = m.to ?? ' '.repeat(Buffer.byteLength(m.find))
  if (Buffer.byteLength(to) !== Buffer.byteLength(m.find)) throw new Error(`${m.name}: the replacement must keep byte offsets`)
  const from = m.within === undefined ? 0 : text.indexOf(m.within)
  if (from < 0) throw new Error(`${m.name}: no ${m.within} in ${m.file}`)
  // Within a template: up to the next one.
  const end = m.within === undefined ? text.length : text.indexOf('\ntemplate ', from + 1) + 1 || text.length
  const mutated = replaceOnce(text.slice(from, end), m.find, to, `${m.name} (${m.file})`)
  if (mutated === text.slice(from, end)) throw new Error(`${m.name}: the mutation changes nothing`)
  return text.slice(0, from) + mutated + text.slice(end)
}

const slug = (name: string): string => name.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '')

async function compileMutant(m: Mutation): Promise<Circuit> {
  const dir = `build/mutations/${slug(m.name)}`
  await rm(join(ROOT, dir), { recursive: true, force: true })
  await mkdir(join(ROOT, dir, 'circuits'), { recursive: true })
  await cp(join(ROOT, 'circuits', 'src'), join(ROOT, dir, 'circuits', 'src'), { recursive: true })
  const target = join(ROOT, dir, m.file)
  await writeFile(target, mutate(await readFile(target, 'utf8'), m))
  const main = `${dir}/main.circom`
  await writeFile(
    join(ROOT, main),
    `pragma circom 2.1.6;\ninclude "${SOURCE}";\ncomponent main = SensorStatsV2(${B}, ${params.valueBits}, ${params.timeBits}, ${params.gapBits});\n`,
  )
  await compileCircom(main, dir, { libs: [dir] })
  const circuit = await loadR1cs(dir)
  // ~12 MB per mutant (wasm, r1cs, sym): only the constraints are needed from here on.
  await rm(join(ROOT, dir), { recursive: true, force: true })
  return circuit
}

async function main(): Promise<void> {
  const started = Date.now()
  const args = process.argv.slice(2)
  const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined
  const mutations = [...MUTATIONS, ...(args.includes('--with-control') ? [CONTROL] : [])].filter(
    (m) => only === undefined || m.name.includes(only),
  )
  const harness = await ForgeryHarness.create()
  const real = await loadR1cs(join('build', 'circuits', CIRCUIT_ID))
  // Forged values do not depend on the circuit under test: compute each once.
  const forged = new Map<Forgery, Map<string, bigint>>()
  for (const f of FORGERIES) forged.set(f, await harness.forge(await f.build(harness)))
  const honest = await harness.forge({ input: await harness.input(harness.base) })
  const rejected = FORGERIES.filter((f) => failingConstraints(real, harness.witnessFor(real, forged.get(f)!)).length > 0)
  if (rejected.length !== FORGERIES.length) {
    const accepted = FORGERIES.filter((f) => !rejected.includes(f)).map((f) => f.name)
    throw new Error(`the real circuit accepts forgeries: ${accepted.join('; ')}`)
  }

  const missed: string[] = []
  let caught = 0
  // Two compilations at a time (circom2 is single-threaded); checks run as each mutant is ready.
  const queue = [...mutations]
  const lines = new Map<Mutation, string>()
  const worker = async (): Promise<void> => {
    for (let m = queue.shift(); m !== undefined; m = queue.shift()) {
      const mutant = await compileMutant(m)
      const delta = mutant.constraints.length - real.constraints.length
      let by: string | undefined
      if (failingConstraints(mutant, harness.witnessFor(mutant, honest)).length > 0) by = 'the honest witness breaks'
      for (const f of rejected) {
        if (by !== undefined) break
        if (failingConstraints(mutant, harness.witnessFor(mutant, forged.get(f)!)).length === 0) by = f.name
      }
      const size = `${mutant.constraints.length} constraints (${delta >= 0 ? '+' : ''}${delta})`
      if (by === undefined) missed.push(m.name)
      else caught++
      lines.set(m, `${by === undefined ? 'NOT CAUGHT' : 'caught    '}  ${m.name}  [${size}]${by === undefined ? '' : `  by: ${by}`}`)
      console.log(lines.get(m))
    }
  }
  await Promise.all([worker(), worker()])
  const seconds = Math.round((Date.now() - started) / 1000)
  console.log(JSON.stringify({ mutations: mutations.length, caught, missed, seconds }))
  if (missed.length > 0) process.exitCode = 1
}

await main()
