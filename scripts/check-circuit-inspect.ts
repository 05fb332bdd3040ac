// Runs `circom --inspect` (circom's check that every signal is constrained and every component
// output used) on each circuit the build makes (SensorStats* at its real parameters, and
// KeyTransfer, which includes KeyCommitment), and fails on any warning that is not a known one
// inside circomlib. Run by CI and `npm run check:circuit-inspect`. A circuit
// whose exact inputs passed before is skipped (a stamp in the artifact cache).
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { assayCacheDir } from '../circuits/honk/dev-bb-crs.js'
import { compileCircom } from './compile-circom.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')

/**
 * circomlib's own templates, reviewed: CompConstant and LessThan read only the top bit they need of
 * a Num2Bits, and the scalar multipliers leave a doubling of their last segment unused. All are
 * library internals (of EdDSAPoseidonVerifier, and KeyTransfer's secret < l and scalar
 * multiplications) and constrain what they must; anything else is a finding.
 */
const KNOWN = [
  /^warning\[CA02\]: In template "CompConstant\(\d+\)": Array of subcomponent input\/output signals num2bits\.out /,
  /^warning\[CA02\]: In template "LessThan\(\d+\)": Array of subcomponent input\/output signals n2b\.out /,
  /^warning\[CA02\]: In template "EscalarMul(Any|Fix)\([^"]*\)": Array of subcomponent input\/output signals segments\[1\]\.dbl /,
]

interface Spec {
  id: string
  purpose: string
  source: string
  template: string
  params: number[]
}

const catalog = JSON.parse(readFileSync(join(root, 'circuits', 'circuits.json'), 'utf8')) as { circuits: Spec[] }
const findings: string[] = []
const started = Date.now()
const inspected = catalog.circuits.filter((c) => c.purpose !== 'retired')

// A circuit whose inputs (its spec, every circom source, circomlib, the compiler, this script) passed
// before is not inspected again: the artifact cache (as the build's) keeps one stamp per passing set.
const cacheDir = join(assayCacheDir(), 'inspect')
const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.circom'))
    .map((e) => join(e.parentPath, e.name))
    .sort()
const common = createHash('sha256').update(readFileSync(fileURLToPath(import.meta.url)))
for (const file of [...sources(join(root, 'circuits', 'src')), ...sources(join(root, 'node_modules', 'circomlib', 'circuits'))])
  common.update(relative(root, file)).update(readFileSync(file))
for (const pkg of ['circomlib', 'circom2']) common.update(readFileSync(join(root, 'node_modules', pkg, 'package.json')))
const commonHash = common.digest('hex')
const stampOf = (spec: Spec): string =>
  join(cacheDir, `${createHash('sha256').update(commonHash).update(JSON.stringify(spec)).digest('hex')}.passed`)

for (const spec of inspected) {
  if (existsSync(stampOf(spec))) {
    console.log(`[inspect] ${spec.id}: passed before with these exact sources (stamp in ${cacheDir})`)
    continue
  }
  // circom2 runs in a WASI sandbox rooted at the working directory: relative paths, no `../`.
  const dir = join(root, 'build', 'inspect', spec.id)
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  const main = join(dir, 'main.circom')
  writeFileSync(main, `pragma circom 2.1.6;\ninclude "${spec.source}";\ncomponent main = ${spec.template}(${spec.params.join(', ')});\n`)
  let out: string
  try {
    const run = await compileCircom(relative(root, main), relative(root, dir), { flags: ['--inspect'] })
    // Warnings go to stderr, the summary to stdout.
    out = `${run.stdout}\n${run.stderr}`
  } catch (err) {
    findings.push(`${spec.id}: circom failed: ${String((err as { stderr?: string }).stderr ?? err).slice(-2000)}`)
    continue
  }
  // eslint-disable-next-line no-control-regex
  const lines = out.replace(/\u001b\[[0-9;]*m/g, '').split('\n')
  const warnings = lines.filter((l) => /^(warning|error)\[/.test(l))
  const unknown = warnings.filter((w) => !KNOWN.some((k) => k.test(w)))
  console.log(`[inspect] ${spec.id}: ${warnings.length} warnings, ${unknown.length} not known circomlib internals`)
  for (const w of unknown) findings.push(`${spec.id}: ${w}`)
  rmSync(dir, { recursive: true, force: true })
  if (unknown.length === 0) {
    mkdirSync(cacheDir, { recursive: true })
    writeFileSync(stampOf(spec), `${new Date().toISOString()}\n`)
  }
}
for (const f of findings) console.error(`[inspect] ${f}`)
console.log(
  JSON.stringify({ circuits: inspected.length, findings: findings.length, seconds: Math.round((Date.now() - started) / 100) / 10 }),
)
process.exit(findings.length === 0 ? 0 : 1)
