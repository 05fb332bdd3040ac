import { existsSync, readFileSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  applyBeacon,
  assayCacheDir,
  CeremonyStateError,
  contributeToCeremony,
  committedCeremoniesDir,
  finalizeCeremony,
  importPtau,
  installCeremony,
  readTranscript,
  releaseProverThreads,
  startCeremony,
  verifyCeremony,
  type CeremonyBackend,
  type CeremonyTranscript,
  type ContributionRecord,
  type PtauRecord,
  type SetupRecord,
} from '../circuits/node.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')

/** Where `assay setup` finds built circuits and keeps imported ptau files; tests point them elsewhere. */
export interface SetupCommandContext {
  buildDir?: string
  cacheDir?: string
  backend?: CeremonyBackend
  out?: (s: string) => void
}

const say = (ctx: SetupCommandContext): ((s: string) => void) => ctx.out ?? ((s) => console.log(s))

/** `assay setup import-ptau FILE`: copies a powers of tau into the cache and records its hashes and ceremony. */
export async function setupImportPtauCommand(file: string, ctx: SetupCommandContext = {}): Promise<PtauRecord> {
  const dir = join(ctx.cacheDir ?? assayCacheDir(), 'ptau', 'imported')
  const record = await importPtau(file, dir)
  say(ctx)(`ptau 2^${record.power} → ${record.path}`)
  say(ctx)(`  sha256      ${record.sha256}`)
  say(ctx)(`  blake2b-512 ${record.blake2b512}`)
  say(ctx)(
    record.knownAs !== undefined
      ? `  ceremony    ${record.ceremony} (${record.knownAs})`
      : '  ceremony    unknown ceremony: no published hash matches; the setup is only as good as whoever made this file',
  )
  return record
}

/** `assay setup start CIRCUIT --ptau FILE --out DIR`: the initial zkey and the transcript. */
export async function setupStartCommand(
  circuit: string,
  o: { ptau: string; out: string },
  ctx: SetupCommandContext = {},
): Promise<CeremonyTranscript> {
  const { circuitId, r1cs } = resolveCircuit(circuit, ctx.buildDir ?? join(root, 'build', 'circuits'))
  const started = Date.now()
  const transcript = await released(startCeremony({ circuitId, r1cs, ptau: o.ptau, dir: o.out }, backendOf(ctx)))
  say(ctx)(`ceremony for ${circuitId} started in ${o.out} (${seconds(started)}); ptau: ${transcript.ptau.ceremony}`)
  say(ctx)(`next: send the directory to the first contributor: assay setup contribute ${o.out} --name NAME`)
  return transcript
}

/** `assay setup contribute DIR --name NAME`: one contribution with fresh OS entropy; prints its hash. */
export async function setupContributeCommand(dir: string, o: { name: string }, ctx: SetupCommandContext = {}): Promise<ContributionRecord> {
  const started = Date.now()
  const c = await released(contributeToCeremony(dir, o.name, backendOf(ctx)))
  say(ctx)(`contribution #${c.index} by ${c.name} → ${c.file} (${seconds(started)})`)
  say(ctx)(`contribution hash: ${c.contributionHash}`)
  say(ctx)('keep this hash: it is how you find your contribution in the published setup record')
  return c
}

/** `assay setup beacon DIR --hash HEX --iterations N`: the public beacon as the last contribution. */
export async function setupBeaconCommand(
  dir: string,
  o: { hash: string; iterations: number },
  ctx: SetupCommandContext = {},
): Promise<void> {
  const started = Date.now()
  const b = await released(applyBeacon(dir, o.hash, o.iterations, backendOf(ctx)))
  say(ctx)(`beacon applied (2^${b.iterationsExp} iterations) → ${b.file} (${seconds(started)}); contribution hash ${b.contributionHash}`)
}

/** `assay setup verify DIR`: every file, every contribution and (once finalized) the record; throws CeremonyVerificationError. */
export async function setupVerifyCommand(
  dir: string,
  o: { ptau?: string } = {},
  ctx: SetupCommandContext = {},
): Promise<CeremonyTranscript> {
  const started = Date.now()
  const t = await released(verifyCeremony(dir, { ...backendOf(ctx), ...(o.ptau !== undefined ? { ptau: o.ptau } : {}) }))
  say(ctx)(`ceremony for ${t.circuitId}: every file and contribution checks out (${seconds(started)})`)
  say(ctx)(`  ptau: ${t.ptau.ceremony}, 2^${t.ptau.power}, sha256 ${t.ptau.sha256}`)
  for (const c of t.contributions) say(ctx)(`  #${c.index} ${c.name}: ${c.contributionHash}`)
  if (t.beacon !== undefined) say(ctx)(`  beacon ${t.beacon.hash} (2^${t.beacon.iterationsExp}): ${t.beacon.contributionHash}`)
  return t
}

/** `assay setup finalize DIR`: verification key, Solidity verifier and the setup record. */
export async function setupFinalizeCommand(dir: string, o: { ptau?: string } = {}, ctx: SetupCommandContext = {}): Promise<SetupRecord> {
  const started = Date.now()
  const transcript = await readTranscript(dir)
  const record = await released(
    finalizeCeremony(dir, {
      ...backendOf(ctx),
      ...(o.ptau !== undefined ? { ptau: o.ptau } : {}),
      verifierName: verifierNameOf(transcript.circuitId),
    }),
  )
  say(ctx)(`setup record written: ${join(dir, 'setup-record.json')} (${seconds(started)})`)
  say(ctx)(`  vkey sha256 ${record.vkeySha256}, final zkey sha256 ${record.finalZkeySha256}`)
  say(ctx)(`to use it: assay setup install ${dir}`)
  return record
}

/**
 * `assay setup install DIR`: checks a finalized ceremony again, then installs it into this build:
 * its final zkey into the cache, its record into circuits/ceremonies (committed). The next build
 * exports the key and verifier from it and records it in the artifact manifest.
 */
export async function setupInstallCommand(
  dir: string,
  o: { ptau?: string } = {},
  ctx: SetupCommandContext & { ceremoniesDir?: string } = {},
): Promise<{ record: SetupRecord; recordPath: string; zkeyPath: string }> {
  const started = Date.now()
  const installed = await released(
    installCeremony(dir, {
      ...backendOf(ctx),
      ...(o.ptau !== undefined ? { ptau: o.ptau } : {}),
      ceremoniesDir: ctx.ceremoniesDir ?? committedCeremoniesDir,
      cacheDir: ctx.cacheDir ?? assayCacheDir(),
    }),
  )
  const { record } = installed
  say(ctx)(
    `ceremony for ${record.circuitId} verified and installed (${seconds(started)}): ${record.contributions.length} contribution(s) and the beacon`,
  )
  say(ctx)(`  setup record → ${installed.recordPath}`)
  say(ctx)(`  final zkey   → ${installed.zkeyPath}`)
  say(ctx)(
    'next: npm run build (exports its vkey and verifier into the artifact manifest), commit circuits/ceremonies and the generated files, ' +
      'then deploy: the deployment anchors its setup record with the new verifier',
  )
  return installed
}

/** snarkjs keeps its worker threads alive; a command that leaves them running never exits. */
async function released<T>(work: Promise<T>): Promise<T> {
  try {
    return await work
  } finally {
    await releaseProverThreads()
  }
}

function backendOf(ctx: SetupCommandContext): { backend?: CeremonyBackend } {
  return ctx.backend !== undefined ? { backend: ctx.backend } : {}
}

/** A circuit id from circuits/circuits.json (its built r1cs), or a path to an .r1cs file. */
function resolveCircuit(circuit: string, buildDir: string): { circuitId: string; r1cs: string } {
  if (circuit.endsWith('.r1cs')) {
    if (!existsSync(circuit)) throw new CeremonyStateError(`no r1cs at ${circuit}`)
    return { circuitId: basename(circuit, '.r1cs'), r1cs: circuit }
  }
  const r1cs = join(buildDir, circuit, 'main.r1cs')
  if (!existsSync(r1cs))
    throw new CeremonyStateError(`circuit ${circuit}: no r1cs at ${r1cs} (run \`npm run build\`, or pass an .r1cs file)`)
  return { circuitId: circuit, r1cs }
}

/** The Solidity contract name the build gives this circuit, so the ceremony's verifier can replace the generated one. */
function verifierNameOf(circuitId: string): string {
  const catalog = JSON.parse(readFileSync(join(root, 'circuits', 'circuits.json'), 'utf8')) as {
    circuits: { id: string; verifier: string }[]
  }
  return catalog.circuits.find((c) => c.id === circuitId)?.verifier ?? 'Groth16Verifier'
}

function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`
}
