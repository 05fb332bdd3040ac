// Builds every UltraHonk circuit in circuits/circuits.json (`honk`): the Noir program compiled with
// noir_wasm, bb's circuit size and verification key (target evm) over the development reference
// string (written from the cached development powers of tau, 2^16 points: the largest circuit's
// dyadic size), bb's Solidity verifier with that CRS's tau·G2 and its names made unique, and the
// committed manifest circuits/honk-artifacts.json and each key as JSON for the TypeScript verifier
// (circuits/generated/<id>.honk-vk.json). Incremental like build-circuits.ts: a circuit
// whose inputs hash to its stamp is not rebuilt, and builds are cached by that hash outside the
// tree. Everything it writes into git is generated; don't edit.
//   --only ID,ID          build only these circuits
//   --build-dir DIR       where the artifacts go (default build/circuits)
//   --against-manifest    the node's build: write nothing committed, fail on any circuit whose
//                         bytecode, key or reference string differs from circuits/honk-artifacts.json
import '../core/polyfill.js'
import { createHash } from 'node:crypto'
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  BB_G2_FILE,
  compileNoir,
  createBbProver,
  CrsError,
  devBbCrs,
  findBbBinary,
  honkBytecodeSha256,
  nameHonkVerifier,
  noirProject,
  releaseProverThreads,
  solidityVerifierForCrs,
  writeHonkVkJson,
  type BbCrs,
} from '../circuits/node.js'
import type { HonkCircuitEntry } from '../circuits/index.js'
import { writeDevBbCrsFromSeed } from './dev-bb-crs-from-seed.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const cacheDir = process.env.ASSAY_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'assay')
const flag = (name: string): string | undefined => {
  const at = process.argv.indexOf(name)
  return at >= 0 ? process.argv[at + 1] : undefined
}
const buildDir = resolve(flag('--build-dir') ?? join(root, 'build', 'circuits'))
const manifestPath = join(root, 'circuits', 'honk-artifacts.json')
const verifierDir = join(root, 'contracts', 'src', 'generated')
const only = flag('--only')?.split(',')
const againstManifest = process.argv.includes('--against-manifest')
/** One reference string for every circuit: 2^16 points holds the largest (65,514 gates: B = 1,128 at 32 bits). */
const CRS_POINTS = 65536

/** A circuits.json honk entry: what the build records of it, before the build adds its own findings. */
type HonkSpec = { id: string } & Pick<HonkCircuitEntry, 'purpose' | 'noir' | 'statement' | 'params' | 'commitment' | 'verifier'>

const log = (msg: string): void => console.log(`[honk] ${msg}`)
const sha256 = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex')

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.name !== 'target')
    .flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]))
    .sort()
}

/** Everything a circuit's artifacts depend on, hashed: its spec, all Noir sources, the toolchain, this script, the CRS. */
function inputHash(spec: HonkSpec, crs: BbCrs): string {
  const h = createHash('sha256').update(JSON.stringify(spec)).update(crs.sha256)
  h.update(readFileSync(fileURLToPath(import.meta.url), 'utf8').replace(/\s+/g, ' '))
  for (const file of files(join(root, 'circuits', 'noir'))) h.update(relative(root, file)).update(readFileSync(file))
  for (const pkg of ['@noir-lang/noir_wasm', '@aztec/bb.js']) h.update(readFileSync(join(root, 'node_modules', pkg, 'package.json')))
  return h.digest('hex')
}

/** The development CRS: from a cached development ptau, else computed from the seed itself (once per machine, ≈ 10 s). */
async function developmentCrs(): Promise<BbCrs> {
  try {
    return devBbCrs({ points: CRS_POINTS, cacheDir })
  } catch (err) {
    if (!(err instanceof CrsError)) throw err
    log(`writing the development CRS (${CRS_POINTS} points) from the seed into ${cacheDir}`)
    const crs = await writeDevBbCrsFromSeed(cacheDir, CRS_POINTS)
    await releaseProverThreads()
    return crs
  }
}

async function build(spec: HonkSpec, crs: BbCrs): Promise<HonkCircuitEntry> {
  const outDir = join(buildDir, spec.id)
  const hash = inputHash(spec, crs)
  const outputs = ['program.json', 'vk', `${spec.verifier}.sol`].map((f) => join(outDir, f))
  const stamped = (dir: string): HonkCircuitEntry | undefined => {
    const path = join(dir, 'stamp.json')
    if (!existsSync(path)) return undefined
    const stamp = JSON.parse(readFileSync(path, 'utf8')) as { hash: string; entry: HonkCircuitEntry }
    if (stamp.hash !== hash) return undefined
    const program = JSON.parse(readFileSync(join(dir, 'program.json'), 'utf8')) as { bytecode: string }
    const intact =
      honkBytecodeSha256(program as never) === stamp.entry.files.bytecode && sha256(readFileSync(join(dir, 'vk'))) === stamp.entry.files.vk
    return intact ? stamp.entry : undefined
  }
  const cached = join(cacheDir, 'honk', hash)
  const current = outputs.every((f) => existsSync(f)) ? stamped(outDir) : undefined
  if (current !== undefined) {
    log(`${spec.id}: up to date`)
    return current
  }
  if (existsSync(cached) && stamped(cached) !== undefined) {
    rmSync(outDir, { recursive: true, force: true })
    cpSync(cached, outDir, { recursive: true })
    log(`${spec.id}: restored from ${cached}`)
    return stamped(outDir)!
  }
  const t0 = Date.now()
  log(`${spec.id}: compiling circuits/noir/${spec.noir}`)
  const compiled = await compileNoir(noirProject(spec.noir))
  // Only what proving needs: the debug symbols and file map hold absolute paths of this machine.
  const program = { abi: compiled.abi, bytecode: compiled.bytecode }
  const prover = createBbProver({ bb: findBbBinary(), crsDir: crs.dir, crsPoints: crs.points })
  const gates = await prover.gates(compiled)
  const vk = await prover.verificationKey(compiled, 'evm')
  const raw = solidityVerifierForCrs(await prover.solidityVerifier(vk), readFileSync(join(crs.dir, BB_G2_FILE)))
  const header =
    `// GENERATED by scripts/build-honk-circuits.ts from circuit ${spec.id} (bb's UltraHonk verifier, ` +
    `its [x]_2 replaced by the development CRS's tau·G2, names prefixed). Do not edit.\n` +
    `// Development reference string: NOT FOR PRODUCTION.\n`
  const sol = header + nameHonkVerifier(raw, spec.verifier).replace(/pragma solidity [^;]+;/g, 'pragma solidity ^0.8.30;')
  const entry: HonkCircuitEntry = {
    purpose: spec.purpose,
    noir: spec.noir,
    statement: spec.statement,
    ...(spec.params === undefined ? {} : { params: spec.params }),
    ...(spec.commitment === undefined ? {} : { commitment: spec.commitment }),
    verifier: spec.verifier,
    gates,
    crs: { source: 'dev-seed', points: crs.points, sha256: crs.sha256 },
    notForProduction: true,
    files: { bytecode: honkBytecodeSha256(compiled), vk: sha256(vk) },
  }
  const tmp = `${outDir}.tmp-${process.pid}`
  rmSync(tmp, { recursive: true, force: true })
  mkdirSync(tmp, { recursive: true })
  writeFileSync(join(tmp, 'program.json'), JSON.stringify(program))
  writeFileSync(join(tmp, 'vk'), vk)
  writeFileSync(join(tmp, `${spec.verifier}.sol`), sol)
  writeFileSync(join(tmp, 'stamp.json'), `${JSON.stringify({ hash, entry }, null, 2)}\n`)
  rmSync(outDir, { recursive: true, force: true })
  renameSync(tmp, outDir)
  const cacheTmp = `${cached}.tmp-${process.pid}`
  rmSync(cacheTmp, { recursive: true, force: true })
  cpSync(outDir, cacheTmp, { recursive: true })
  rmSync(cached, { recursive: true, force: true })
  renameSync(cacheTmp, cached)
  log(`${spec.id}: ${gates} gates, built in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
  return entry
}

// Keeps mtimes stable so Hardhat sees no change when nothing changed.
function writeIfChanged(path: string, content: string): void {
  if (existsSync(path) && readFileSync(path, 'utf8') === content) return
  writeFileSync(path, content)
}

async function main(): Promise<void> {
  const started = Date.now()
  const catalog = JSON.parse(readFileSync(join(root, 'circuits', 'circuits.json'), 'utf8')) as { honk?: HonkSpec[] }
  const specs = (catalog.honk ?? []).filter((s) => only === undefined || only.includes(s.id))
  const previous = existsSync(manifestPath)
    ? (JSON.parse(readFileSync(manifestPath, 'utf8')) as { circuits: Record<string, HonkCircuitEntry> })
    : { circuits: {} }
  const built: Record<string, HonkCircuitEntry> = only !== undefined ? { ...previous.circuits } : {}
  const crs = await developmentCrs()
  for (const spec of specs) {
    const entry = await build(spec, crs)
    built[spec.id] = entry
    if (againstManifest && JSON.stringify(previous.circuits[spec.id]) !== JSON.stringify(entry))
      throw new Error(`${spec.id}: built artifacts differ from ${relative(root, manifestPath)}`)
    if (!againstManifest) {
      writeIfChanged(join(verifierDir, `${spec.verifier}.sol`), readFileSync(join(buildDir, spec.id, `${spec.verifier}.sol`), 'utf8'))
      // The key as JSON with the CRS's tau·G2: what the TypeScript verifier (and the browser) reads.
      await writeHonkVkJson(spec.id, entry, readFileSync(join(buildDir, spec.id, 'vk')), crs.dir)
    }
  }
  if (againstManifest) {
    log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`)
    return
  }
  const ordered = Object.fromEntries((catalog.honk ?? []).flatMap((s) => (built[s.id] === undefined ? [] : [[s.id, built[s.id]]])))
  const manifest = {
    $comment:
      'GENERATED by scripts/build-honk-circuits.ts. UltraHonk circuits: sha256 of each program bytecode and verification key, and the reference string they are for; loaders refuse files that differ.',
    circuits: ordered,
  }
  writeIfChanged(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`)
  log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`)
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error('[honk] build failed:', err instanceof Error ? err.message : err)
    process.exit(1)
  },
)
