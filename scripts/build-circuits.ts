// Builds every circuit in circuits/circuits.json: circom2 → r1cs + wasm, the Groth16 proving key
// (development: computed directly from the public development secrets, scripts/dev-zkey.ts, about
// half a minute for the largest circuit; or from a ceremony powers of tau given as ASSAY_PTAU, then
// newZKey and a beacon), verification key, Solidity verifier, and the committed artifact manifest.
// Incremental: a circuit whose inputs hash to the recorded stamp is not rebuilt, and built circuits
// are cached by that hash outside the tree. Everything it writes into git is generated; don't edit.
//   --status FILE       write each circuit's state (pending, building, ready, failed) to FILE as JSON
//   --against-manifest  the node's background build: write nothing committed, fail on any artifact
//                       whose hash differs from circuits/artifacts.json
//   --only ID,ID        build only these circuits, in this order
//   --catalog FILE --build-dir DIR   another catalog, built into DIR with its manifest there
//   --ptau N            only write the development powers of tau 2^N into the cache
//   --ceremonies DIR    where installed ceremonies' setup records are (default: circuits/ceremonies)
// A circuit with an installed phase-2 ceremony (`assay setup install`: its setup record in
// circuits/ceremonies/ID.json, its final zkey in the cache by sha256) takes that zkey instead of a
// development or beacon-only one; its vkey and verifier are exported from it.
import '../core/polyfill.js'
import { createHash } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as snarkjs from 'snarkjs'
import { committedCeremoniesDir, installedZkeyPath, readInstalledCeremony, releaseProverThreads } from '../circuits/node.js'
import type { CircuitBuildStatus } from '../cli/circuit-builder.js'
import { readBinSections } from './bin-file.js'
import { DEV_PTAU_SEED, writeDevPtau } from './dev-ptau.js'
import { writeDevZkey } from './dev-zkey.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const cacheDir = process.env.ASSAY_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'assay')
const flag = (name: string): string | undefined => {
  const at = process.argv.indexOf(name)
  return at >= 0 ? process.argv[at + 1] : undefined
}
// `--bench` builds the benchmark's circuits into build/ only: nothing committed is touched; so does
// `--catalog FILE --build-dir DIR` for any other catalog (tests of the build itself).
const bench = process.argv.includes('--bench')
const otherCatalog = flag('--catalog')
const elsewhere = bench || otherCatalog !== undefined
const catalogPath = otherCatalog !== undefined ? resolve(otherCatalog) : join(root, bench ? 'bench' : 'circuits', 'circuits.json')
const buildDir = resolve(flag('--build-dir') ?? join(root, 'build', bench ? 'bench-circuits' : 'circuits'))
const manifestPath = elsewhere ? join(buildDir, 'artifacts.json') : join(root, 'circuits', 'artifacts.json')
const againstManifest = process.argv.includes('--against-manifest')
const vkeyDir = elsewhere || againstManifest ? undefined : join(root, 'circuits', 'generated')
const verifierDir = elsewhere || againstManifest ? undefined : join(root, 'contracts', 'src', 'generated')
const statusPath = flag('--status')
const ceremoniesFlag = flag('--ceremonies')
const ceremoniesDir = ceremoniesFlag !== undefined ? resolve(ceremoniesFlag) : committedCeremoniesDir
const only = flag('--only')?.split(',')

/** Public, fixed beacon: the dev setup is reproducible by anyone and therefore has no secret at all. */
const DEV_BEACON = createHash('sha256').update('assay development setup - NOT FOR PRODUCTION').digest('hex')
const DEV_BEACON_ITERATIONS_EXP = 10
/** Smallest ptau generated, so tiny circuits share one file. */
const MIN_POWER = 10

interface CircuitSpec {
  id: string
  purpose: 'production' | 'test' | 'retired'
  /** Retired circuits: why, shown by every verifier of a dataset proven with it. */
  knownFlaw?: string
  source: string
  template: string
  params: number[]
  publicInputs: string[]
  verifier: string
}

interface ManifestEntry {
  purpose: 'production' | 'test' | 'retired'
  knownFlaw?: string
  verifier: string
  template: string
  params: number[]
  publicInputs: string[]
  constraints: number
  publicSignals: number
  ptau: { power: number; source: 'dev-seed' | 'ceremony'; sha256?: string }
  zkeySetup: 'dev-direct' | 'ceremony'
  /** An installed phase-2 ceremony: how many contributions besides the beacon. */
  phase2?: { contributions: number }
  notForProduction: boolean
  files: { r1cs: string; wasm: string; zkey: string; vkey: string }
}

const log = (msg: string): void => console.log(`[circuits] ${msg}`)

function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex')
}

function circomFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? circomFiles(join(dir, e.name)) : e.name.endsWith('.circom') ? [join(dir, e.name)] : []))
    .sort()
}

/** Everything a circuit's artifacts depend on, hashed; a change anywhere rebuilds it. */
function inputHash(spec: CircuitSpec, ptauId: string): string {
  const h = createHash('sha256')
  h.update(JSON.stringify(spec))
  h.update(ptauId)
  h.update(readInstalledCeremony(spec.id, { dir: ceremoniesDir })?.text ?? 'no ceremony')
  // A change to this procedure rebuilds too (whitespace aside, so reformatting does not).
  for (const script of [fileURLToPath(import.meta.url), join(root, 'scripts', 'dev-ptau.ts'), join(root, 'scripts', 'dev-zkey.ts')]) {
    h.update(readFileSync(script, 'utf8').replace(/\s+/g, ' '))
  }
  for (const file of circomFiles(join(root, 'circuits', 'src'))) {
    h.update(relative(root, file)).update(readFileSync(file))
  }
  for (const pkg of ['circomlib', 'circom2', 'snarkjs']) {
    h.update(readFileSync(join(root, 'node_modules', pkg, 'package.json')))
  }
  return h.digest('hex')
}

function compile(spec: CircuitSpec, outDir: string): { r1cs: string; wasm: string } {
  mkdirSync(outDir, { recursive: true })
  const main = join(outDir, 'main.circom')
  const args = spec.params.length > 0 ? spec.params.join(', ') : ''
  const publics = spec.publicInputs.length > 0 ? ` {public [${spec.publicInputs.join(', ')}]}` : ''
  writeFileSync(
    main,
    `pragma circom 2.1.6;\n// Generated by scripts/build-circuits.ts for ${spec.id}.\ninclude "${spec.source}";\ncomponent main${publics} = ${spec.template}(${args});\n`,
  )
  // circom2 runs in a WASI sandbox rooted at the working directory: paths must be relative, no `../`.
  execFileSync(
    process.execPath,
    [
      join(root, 'node_modules', 'circom2', 'cli.js'),
      relative(root, main),
      '--r1cs',
      '--wasm',
      '--sym', // signal names → witness wires, for tests that forge a named signal
      '--O2',
      '-l',
      'node_modules',
      '-l',
      '.',
      '-o',
      relative(root, outDir),
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
  )
  return { r1cs: join(outDir, 'main.r1cs'), wasm: join(outDir, 'main_js', 'main.wasm') }
}

/** Needed power = floor(log2(constraints + public signals)) + 1 (Groth16 domain incl. public inputs). */
function neededPower(constraints: number, publicSignals: number): number {
  return Math.floor(Math.log2(constraints + publicSignals)) + 1
}

interface Ptau {
  path: string
  power: number
  source: 'dev-seed' | 'ceremony'
  sha256: string
}

/** The ceremony powers of tau named by ASSAY_PTAU, if any, checked to be large enough for `power`. */
function ceremonyPtau(power: number): Ptau | undefined {
  const path = ceremonyPtauPath()
  if (path === undefined) return undefined
  const available = ptauPower(path)
  if (available < power) throw new Error(`ASSAY_PTAU: ${path} holds powers of tau 2^${available}; this circuit needs 2^${power}`)
  return { path, power: available, source: 'ceremony', sha256: sha256File(path) }
}

function ceremonyPtauPath(): string | undefined {
  const ceremony = process.env.ASSAY_PTAU
  if (ceremony === undefined || ceremony === '') return undefined
  if (!existsSync(ceremony)) throw new Error(`ASSAY_PTAU: no file at ${ceremony}`)
  return resolve(ceremony)
}

/** The power a ptau file holds (its header section: field size, prime, power). */
function ptauPower(path: string): number {
  let head: Buffer | undefined
  try {
    head = readBinSections(readFileSync(path), 'ptau').get(1)
  } catch (err) {
    throw new Error(`ASSAY_PTAU: ${path}: ${(err as Error).message}`, { cause: err })
  }
  if (head === undefined) throw new Error(`ASSAY_PTAU: ${path} has no header section`)
  return head.readUInt32LE(4 + head.readUInt32LE(0))
}

/** A cached development powers of tau (only for `--ptau`: the development build needs none). */
async function ensureDevPtau(power: number): Promise<Ptau> {
  const p = Math.max(power, MIN_POWER)
  const dir = join(cacheDir, 'ptau')
  const final = join(dir, `assay-dev-seed-pot${p}.ptau`)
  const shaFile = `${final}.sha256`
  if (existsSync(final) && existsSync(shaFile)) {
    return { path: final, power: p, source: 'dev-seed', sha256: readFileSync(shaFile, 'utf8').trim() }
  }
  mkdirSync(dir, { recursive: true })
  const started = Date.now()
  log(`generating dev powers of tau 2^${p} in ${dir} (once per machine)`)
  const tmp = join(dir, `.tmp-${process.pid}-pot${p}.ptau`)
  try {
    await writeDevPtau(tmp, p, { log })
    const sha = sha256File(tmp)
    renameSync(tmp, final) // atomic: a crash never leaves a half-written cached ptau
    writeFileSync(shaFile, `${sha}\n`)
    log(`ptau 2^${p} ready in ${((Date.now() - started) / 1000).toFixed(1)} s`)
    return { path: final, power: p, source: 'dev-seed', sha256: sha }
  } finally {
    rmSync(tmp, { force: true })
  }
}

async function setup(
  spec: CircuitSpec,
  r1cs: string,
  ptau: Ptau | undefined,
  outDir: string,
): Promise<{ zkey: string; vkey: string; verifierSol: string }> {
  const zkey = join(outDir, 'main.zkey')
  if (ptau === undefined) {
    await writeDevZkey(r1cs, zkey, { log: (msg) => log(`${spec.id}: ${msg}`) })
  } else {
    const zkey0 = join(outDir, 'main_0000.zkey')
    await snarkjs.zKey.newZKey(r1cs, ptau.path, zkey0)
    // snarkjs reports some setup failures (ptau too small) only in its log and leaves an empty file.
    if (!existsSync(zkey0) || statSync(zkey0).size === 0) {
      throw new Error(`${spec.id}: Groth16 setup produced no zkey (is the ptau large enough? power ${ptau.power})`)
    }
    // Phase 2 gets one contribution from the public beacon, so the zkey is reproducible. A
    // production deployment runs its own phase-2 ceremony on main_0000.zkey instead.
    await snarkjs.zKey.beacon(zkey0, zkey, 'assay phase2 beacon', DEV_BEACON, DEV_BEACON_ITERATIONS_EXP)
    rmSync(zkey0, { force: true })
  }
  return exportKeys(
    spec,
    zkey,
    outDir,
    ptau === undefined
      ? 'Development setup: NOT FOR PRODUCTION.'
      : 'Setup from a ceremony powers of tau (phase 2: the public beacon only).',
  )
}

/** The verification key and Solidity verifier of a zkey, into outDir. */
async function exportKeys(
  spec: CircuitSpec,
  zkey: string,
  outDir: string,
  setupLine: string,
): Promise<{ zkey: string; vkey: string; verifierSol: string }> {
  const vk = (await snarkjs.zKey.exportVerificationKey(zkey)) as Record<string, unknown>
  const vkey = join(outDir, 'vkey.json')
  writeFileSync(vkey, `${JSON.stringify(vk, null, 2)}\n`)
  const template = readFileSync(join(root, 'node_modules', 'snarkjs', 'templates', 'verifier_groth16.sol.ejs'), 'utf8')
  const raw = (await snarkjs.zKey.exportSolidityVerifier(zkey, { groth16: template })) as string
  const header = `// SPDX-License-Identifier: GPL-3.0\n// GENERATED by scripts/build-circuits.ts from circuit ${spec.id} (snarkjs Groth16 template). Do not edit.\n// ${setupLine}\n`
  const body = raw
    .replace(/^\/\/ SPDX-License-Identifier:.*\n/m, '')
    .replace(/pragma solidity [^;]+;/, 'pragma solidity ^0.8.30;')
    .replace(/contract Groth16Verifier/, `contract ${spec.verifier}`)
  const verifierSol = join(outDir, `${spec.verifier}.sol`)
  writeFileSync(verifierSol, header + body)
  return { zkey, vkey, verifierSol }
}

async function main(): Promise<void> {
  const started = Date.now()
  const catalog = JSON.parse(readFileSync(catalogPath, 'utf8')) as { circuits: CircuitSpec[] }
  // Retired circuits are never built again: their recorded entry (and committed vkey and Solidity
  // verifier) is kept so datasets proven with them stay verifiable, and marked with the flaw.
  const buildable = catalog.circuits.filter((c) => c.purpose !== 'retired')
  const specs =
    only === undefined
      ? buildable
      : only.map((id) => {
          const spec = buildable.find((c) => c.id === id)
          if (spec === undefined) throw new Error(`--only: no buildable circuit ${id} in ${relative(root, catalogPath)}`)
          return spec
        })
  const previous = existsSync(manifestPath)
    ? (JSON.parse(readFileSync(manifestPath, 'utf8')) as { circuits: Record<string, ManifestEntry> })
    : { circuits: {} }
  const retired = Object.fromEntries(
    catalog.circuits
      .filter((c) => c.purpose === 'retired')
      .map((c) => {
        const recorded = previous.circuits[c.id]
        if (recorded === undefined) throw new Error(`${c.id} is retired but has no recorded entry in ${relative(root, manifestPath)}`)
        return [c.id, { ...recorded, purpose: 'retired' as const, knownFlaw: c.knownFlaw ?? 'retired' }]
      }),
  )
  const manifest: { $comment: string; circuits: Record<string, ManifestEntry> } = {
    $comment: 'GENERATED by scripts/build-circuits.ts. sha256 of every circuit artifact; loaders refuse files that differ.',
    circuits: {},
  }
  mkdirSync(buildDir, { recursive: true })
  if (vkeyDir !== undefined) mkdirSync(vkeyDir, { recursive: true })
  if (verifierDir !== undefined) mkdirSync(verifierDir, { recursive: true })
  const ceremony = ceremonyPtauPath()
  const ptauId = ceremony !== undefined ? `ceremony:${sha256File(ceremony)}` : `dev-seed:${DEV_PTAU_SEED}`
  const status: CircuitBuildStatus = {
    pid: process.pid,
    startedAt: new Date(started).toISOString(),
    circuits: Object.fromEntries(specs.map((s) => [s.id, { state: 'pending' as const }])),
  }
  const report = (): void => {
    if (statusPath === undefined) return
    const tmp = `${statusPath}.tmp-${process.pid}`
    writeFileSync(tmp, `${JSON.stringify(status, null, 2)}\n`)
    renameSync(tmp, statusPath) // readers never see half a file
  }
  report()

  for (const spec of specs) {
    const t0 = Date.now()
    status.circuits[spec.id] = { state: 'building' }
    report()
    try {
      manifest.circuits[spec.id] = await buildCircuit(spec, ptauId, previous.circuits[spec.id])
      status.circuits[spec.id] = { state: 'ready', seconds: Math.round((Date.now() - t0) / 100) / 10 }
    } catch (err) {
      status.circuits[spec.id] = { state: 'failed', error: err instanceof Error ? err.message : String(err) }
      status.finishedAt = new Date().toISOString()
      report()
      throw err
    }
    report()
  }
  if (!againstManifest) {
    // With --only, circuits not built this time keep their recorded entries.
    const entries = only === undefined ? { ...manifest.circuits, ...retired } : { ...previous.circuits, ...manifest.circuits, ...retired }
    const ordered = Object.fromEntries(catalog.circuits.flatMap((c) => (entries[c.id] === undefined ? [] : [[c.id, entries[c.id]]])))
    writeIfChanged(manifestPath, `${JSON.stringify({ ...manifest, circuits: ordered }, null, 2)}\n`)
  }
  status.finishedAt = new Date().toISOString()
  report()
  await releaseProverThreads()
  log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`)
}

/** Builds (or restores) one circuit and returns its manifest entry. */
async function buildCircuit(spec: CircuitSpec, ptauId: string, before: ManifestEntry | undefined): Promise<ManifestEntry> {
  const outDir = join(buildDir, spec.id)
  const stampPath = join(outDir, 'stamp.json')
  const hash = inputHash(spec, ptauId)
  const stamp = existsSync(stampPath) ? (JSON.parse(readFileSync(stampPath, 'utf8')) as { hash: string; entry: ManifestEntry }) : undefined
  const files = {
    r1cs: join(outDir, 'main.r1cs'),
    wasm: join(outDir, 'main_js', 'main.wasm'),
    zkey: join(outDir, 'main.zkey'),
    vkey: join(outDir, 'vkey.json'),
  }
  const complete = (): boolean => Object.values(files).every((f) => existsSync(f)) && existsSync(join(outDir, `${spec.verifier}.sol`))
  // Built circuits are cached by input hash outside the tree: a fresh clone on a machine that built
  // them once copies them (checked against the hashes recorded then) instead of redoing setup.
  const cached = join(cacheDir, 'circuits', hash)
  let entry: ManifestEntry
  if (stamp?.hash === hash && complete()) {
    log(`${spec.id}: up to date`)
    entry = stamp.entry
  } else if (restoreFromCache(cached, outDir, hash, files)) {
    log(`${spec.id}: restored from ${cached}`)
    entry = (JSON.parse(readFileSync(stampPath, 'utf8')) as { entry: ManifestEntry }).entry
  } else {
    const t0 = Date.now()
    log(`${spec.id}: compiling ${spec.source}`)
    compile(spec, outDir)
    const info = (await snarkjs.r1cs.info(files.r1cs)) as { nConstraints: number; nOutputs: number; nPubInputs: number }
    const publicSignals = info.nOutputs + info.nPubInputs
    const power = neededPower(info.nConstraints, publicSignals)
    const installed = readInstalledCeremony(spec.id, { dir: ceremoniesDir })?.record
    const ptau = installed === undefined ? ceremonyPtau(power) : undefined
    log(
      `${spec.id}: ${info.nConstraints} constraints, ${publicSignals} public signals; Groth16 setup (2^${power}) ${installed !== undefined ? `from its installed ceremony (${installed.contributions.length} contributions)` : ptau === undefined ? 'from the development seed' : `with ceremony ptau ${ptau.path}`}`,
    )
    if (installed !== undefined) {
      if (sha256File(files.r1cs) !== installed.r1csSha256)
        throw new Error(`${spec.id}: its installed ceremony was run on constraint system ${installed.r1csSha256}, not this build's`)
      const zkey = installedZkeyPath(cacheDir, installed.finalZkeySha256)
      if (!existsSync(zkey) || sha256File(zkey) !== installed.finalZkeySha256)
        throw new Error(`${spec.id}: the ceremony's final zkey is not at ${zkey} (run \`assay setup install\` with the ceremony directory)`)
      cpSync(zkey, files.zkey)
      await exportKeys(
        spec,
        files.zkey,
        outDir,
        `Setup from a phase-2 ceremony: ${installed.contributions.length} contribution(s) and a beacon.`,
      )
      if (sha256File(files.vkey) !== installed.vkeySha256) throw new Error(`${spec.id}: the exported key is not the ceremony's record's`)
    } else await setup(spec, files.r1cs, ptau, outDir)
    entry = {
      purpose: spec.purpose,
      verifier: spec.verifier,
      template: spec.template,
      params: spec.params,
      publicInputs: spec.publicInputs,
      constraints: info.nConstraints,
      publicSignals,
      ptau:
        installed !== undefined
          ? { power: installed.ptau.power, source: 'ceremony', sha256: installed.ptau.sha256 }
          : ptau === undefined
            ? { power, source: 'dev-seed' }
            : { power: ptau.power, source: 'ceremony', sha256: ptau.sha256 },
      zkeySetup: installed !== undefined || ptau !== undefined ? 'ceremony' : 'dev-direct',
      ...(installed !== undefined ? { phase2: { contributions: installed.contributions.length } } : {}),
      notForProduction: installed === undefined && ptau === undefined,
      files: { r1cs: sha256File(files.r1cs), wasm: sha256File(files.wasm), zkey: sha256File(files.zkey), vkey: sha256File(files.vkey) },
    }
    writeFileSync(stampPath, `${JSON.stringify({ hash, entry }, null, 2)}\n`)
    saveToCache(outDir, cached)
    log(`${spec.id}: built in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
  }
  if (before !== undefined && JSON.stringify(before.files) !== JSON.stringify(entry.files)) {
    // The node's build must reproduce the committed artifacts exactly (built, restored or up to
    // date alike); a developer's build commits the new ones.
    if (againstManifest) throw new Error(`${spec.id}: built artifacts differ from ${relative(root, manifestPath)}`)
    log(`${spec.id}: artifact hashes changed; commit ${relative(root, manifestPath)} and the generated files`)
  }
  if (vkeyDir !== undefined) writeIfChanged(join(vkeyDir, `${spec.id}.vkey.json`), readFileSync(files.vkey, 'utf8'))
  if (verifierDir !== undefined)
    writeIfChanged(join(verifierDir, `${spec.verifier}.sol`), readFileSync(join(outDir, `${spec.verifier}.sol`), 'utf8'))
  return entry
}

/** Copies a cached build into outDir when its stamp matches and every file has its recorded hash. */
function restoreFromCache(cached: string, outDir: string, hash: string, files: Record<keyof ManifestEntry['files'], string>): boolean {
  const stampPath = join(cached, 'stamp.json')
  if (!existsSync(stampPath)) return false
  const stamp = JSON.parse(readFileSync(stampPath, 'utf8')) as { hash: string; entry: ManifestEntry }
  if (stamp.hash !== hash) return false
  rmSync(outDir, { recursive: true, force: true })
  cpSync(cached, outDir, { recursive: true })
  const intact = (Object.keys(files) as (keyof typeof files)[]).every(
    (k) => existsSync(files[k]) && sha256File(files[k]) === stamp.entry.files[k],
  )
  if (!intact) {
    log(`${cached}: cached files differ from their recorded hashes; rebuilding`)
    rmSync(cached, { recursive: true, force: true })
    rmSync(outDir, { recursive: true, force: true })
  }
  return intact
}

function saveToCache(outDir: string, cached: string): void {
  const tmp = `${cached}.tmp-${process.pid}`
  rmSync(tmp, { recursive: true, force: true })
  cpSync(outDir, tmp, { recursive: true })
  rmSync(cached, { recursive: true, force: true })
  renameSync(tmp, cached)
}

// Keeps mtimes stable so Hardhat and Vite see no change when nothing changed.
function writeIfChanged(path: string, content: string): void {
  if (existsSync(path) && readFileSync(path, 'utf8') === content) return
  writeFileSync(path, content)
}

/** `--ptau N`: only write the development powers of tau 2^N into the cache (to try the ceremony path: ASSAY_PTAU=that file). */
const ptauFlag = process.argv.indexOf('--ptau')
const run =
  ptauFlag >= 0
    ? async (): Promise<void> => {
        const ptau = await ensureDevPtau(Number(process.argv[ptauFlag + 1]))
        log(`ptau 2^${ptau.power} at ${ptau.path} (sha256 ${ptau.sha256})`)
        await releaseProverThreads()
      }
    : main

run().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error('[circuits] build failed:', err instanceof Error ? err.message : err)
    process.exit(1)
  },
)
