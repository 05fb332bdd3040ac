import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { promisify } from 'node:util'
import { expect } from 'chai'
import * as snarkjs from 'snarkjs'
import { writeDevPtau } from '../../scripts/dev-ptau.js'
import { setupOfEntry, SetupRecordMismatchError, type CircuitManifestEntry } from '../../circuits/index.js'
import {
  applyBeacon,
  CeremonyStateError,
  contributeToCeremony,
  finalizeCeremony,
  installCeremony,
  installedZkeyPath,
  releaseProverThreads,
  startCeremony,
} from '../../circuits/node.js'

const run = promisify(execFile)

// The build script itself on a one-circuit catalog of its own, built outside the committed tree:
// the development path (keys computed from the public seed) and the ceremony path (ASSAY_PTAU).
describe('build-circuits', function () {
  this.timeout(300_000)
  let dir: string
  let catalog: string
  const build = (buildDir: string, env: Record<string, string> = {}, ...args: string[]) =>
    run(
      process.execPath,
      ['node_modules/tsx/dist/cli.mjs', 'scripts/build-circuits.ts', '--catalog', catalog, '--build-dir', buildDir, ...args],
      {
        env: { ...process.env, ASSAY_CACHE_DIR: join(dir, 'cache'), ASSAY_PTAU: '', ...env },
      },
    )
  const manifest = async (buildDir: string): Promise<{ circuits: Record<string, Record<string, unknown>> }> =>
    JSON.parse(await readFile(join(buildDir, 'artifacts.json'), 'utf8')) as { circuits: Record<string, Record<string, unknown>> }
  const proves = async (buildDir: string): Promise<boolean> => {
    const out = join(buildDir, 'tiny-v1')
    const { proof, publicSignals } = await snarkjs.groth16.fullProve(
      { x: 3, y: 5 },
      join(out, 'main_js', 'main.wasm'),
      join(out, 'main.zkey'),
    )
    const vkey = JSON.parse(await readFile(join(out, 'vkey.json'), 'utf8')) as object
    return (await snarkjs.groth16.verify(vkey, publicSignals, proof)) && !(await snarkjs.groth16.verify(vkey, ['1', '3'], proof))
  }

  before(async () => {
    // circom2 runs sandboxed in the project: the circuit source lives under build/.
    await mkdir('build', { recursive: true })
    dir = await mkdtemp(join(process.cwd(), 'build', 'build-circuits-test-'))
    await writeFile(
      join(dir, 'tiny.circom'),
      'pragma circom 2.1.6;\ntemplate Tiny() {\n  signal input x;\n  signal input y;\n  signal output z;\n  z <== x * y + x;\n}\n',
    )
    catalog = join(dir, 'circuits.json')
    const source = relative(process.cwd(), join(dir, 'tiny.circom'))
    await writeFile(
      catalog,
      JSON.stringify({
        circuits: [{ id: 'tiny-v1', purpose: 'test', source, template: 'Tiny', params: [], publicInputs: ['x'], verifier: 'TinyVerifier' }],
      }),
    )
  })
  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('builds a development setup from the public seed, marked not for production, and reports each circuit', async () => {
    await build(join(dir, 'dev'), {}, '--status', join(dir, 'status.json'))
    const entry = (await manifest(join(dir, 'dev'))).circuits['tiny-v1']!
    expect([entry.ptau, entry.zkeySetup, entry.notForProduction]).to.deep.equal([{ power: 2, source: 'dev-seed' }, 'dev-direct', true])
    expect(await proves(join(dir, 'dev'))).to.equal(true)
    const status = JSON.parse(await readFile(join(dir, 'status.json'), 'utf8')) as {
      finishedAt?: string
      circuits: Record<string, { state: string }>
    }
    expect(status.circuits['tiny-v1']?.state).to.equal('ready')
    expect(status.finishedAt).to.be.a('string')
  })

  it('builds from a ceremony powers of tau given as ASSAY_PTAU, recording its sha256', async () => {
    const ptau = join(dir, 'ceremony.ptau')
    await writeDevPtau(ptau, 4, { seed: 'a stand-in for a ceremony file' })
    const sha256 = createHash('sha256')
      .update(await readFile(ptau))
      .digest('hex')
    await build(join(dir, 'ceremony'), { ASSAY_PTAU: ptau })
    const entry = (await manifest(join(dir, 'ceremony'))).circuits['tiny-v1']!
    expect([entry.ptau, entry.zkeySetup, entry.notForProduction]).to.deep.equal([
      { power: 4, source: 'ceremony', sha256 },
      'ceremony',
      false,
    ])
    expect(await proves(join(dir, 'ceremony'))).to.equal(true)
    const dev = (await manifest(join(dir, 'dev'))).circuits['tiny-v1']!
    expect((entry.files as { vkey: string }).vkey).to.not.equal((dev.files as { vkey: string }).vkey)
  })

  it('with --against-manifest refuses artifacts that differ from the recorded ones, and records nothing', async () => {
    const before = await readFile(join(dir, 'dev', 'artifacts.json'), 'utf8')
    const ptau = join(dir, 'ceremony.ptau')
    let failure: { code?: number; stderr?: string } | undefined
    try {
      await build(join(dir, 'dev'), { ASSAY_PTAU: ptau }, '--against-manifest')
    } catch (err) {
      failure = err as { code?: number; stderr?: string }
    }
    expect(failure?.code).to.equal(1)
    expect(failure?.stderr).to.contain(
      `tiny-v1: built artifacts differ from ${relative(process.cwd(), join(dir, 'dev', 'artifacts.json'))}`,
    )
    expect(await readFile(join(dir, 'dev', 'artifacts.json'), 'utf8')).to.equal(before)
  })

  it('refuses an ASSAY_PTAU that does not exist, by name', async () => {
    let failure: { code?: number; stderr?: string } | undefined
    try {
      await build(join(dir, 'missing'), { ASSAY_PTAU: join(dir, 'nope.ptau') })
    } catch (err) {
      failure = err as { code?: number; stderr?: string }
    }
    expect(failure?.code).to.equal(1)
    expect(failure?.stderr).to.contain(`ASSAY_PTAU: no file at ${join(dir, 'nope.ptau')}`)
  })

  describe('a circuit with an installed phase-2 ceremony', () => {
    let ceremony: string
    let built: { circuits: Record<string, CircuitManifestEntry> }
    const install = (from: string, circuits?: [string, Pick<CircuitManifestEntry, 'purpose' | 'files'>][]) =>
      installCeremony(from, {
        ceremoniesDir: join(dir, 'ceremonies'),
        cacheDir: join(dir, 'cache'),
        circuits: circuits ?? Object.entries(built.circuits),
      })
    const failure = (p: Promise<unknown>): Promise<unknown> =>
      p.then(
        () => undefined,
        (e: unknown) => e,
      )

    before(async () => {
      built = (await manifest(join(dir, 'dev'))) as unknown as typeof built
      const ptau = join(dir, 'phase1.ptau')
      await writeDevPtau(ptau, 4, { seed: 'another stand-in for a ceremony file' })
      ceremony = join(dir, 'tiny-ceremony')
      await startCeremony({ circuitId: 'tiny-v1', r1cs: join(dir, 'dev', 'tiny-v1', 'main.r1cs'), ptau, dir: ceremony })
      await contributeToCeremony(ceremony, 'alice')
      await applyBeacon(ceremony, 'cc'.repeat(32), 10)
    })
    after(releaseProverThreads)

    it('refuses to install a ceremony before it is finalized', async () => {
      expect(await failure(install(ceremony))).to.be.instanceOf(CeremonyStateError)
    })

    it('installs a finalized one: its record for git, its final zkey in the cache under its sha256', async () => {
      const record = await finalizeCeremony(ceremony)
      const installed = await install(ceremony)
      expect(installed.recordPath).to.equal(join(dir, 'ceremonies', 'tiny-v1.json'))
      expect(JSON.parse(await readFile(installed.recordPath, 'utf8'))).to.deep.equal(record)
      expect(installed.zkeyPath).to.equal(installedZkeyPath(join(dir, 'cache'), record.finalZkeySha256))
      expect(
        createHash('sha256')
          .update(await readFile(installed.zkeyPath))
          .digest('hex'),
      ).to.equal(record.finalZkeySha256)
    })

    it('builds the circuit from it: the ceremony’s key, and a manifest entry that says so', async () => {
      const record = JSON.parse(await readFile(join(dir, 'ceremonies', 'tiny-v1.json'), 'utf8')) as {
        finalZkeySha256: string
        vkeySha256: string
        ptau: { sha256: string }
      }
      await build(join(dir, 'installed'), {}, '--ceremonies', join(dir, 'ceremonies'))
      const entry = (await manifest(join(dir, 'installed'))).circuits['tiny-v1'] as unknown as CircuitManifestEntry
      expect([entry.ptau, entry.zkeySetup, entry.phase2, entry.notForProduction]).to.deep.equal([
        { power: 4, source: 'ceremony', sha256: record.ptau.sha256 },
        'ceremony',
        { contributions: 1 },
        false,
      ])
      expect(entry.files).to.include({ zkey: record.finalZkeySha256, vkey: record.vkeySha256 })
      expect(setupOfEntry(entry).kind).to.equal('ceremony')
      expect(setupOfEntry(entry).warning).to.equal(undefined)
      expect(await proves(join(dir, 'installed'))).to.equal(true)
    })

    it('fails the build by name when the installed zkey is not in the cache', async () => {
      const record = JSON.parse(await readFile(join(dir, 'ceremonies', 'tiny-v1.json'), 'utf8')) as { finalZkeySha256: string }
      await rm(installedZkeyPath(join(dir, 'cache'), record.finalZkeySha256))
      await rm(join(dir, 'cache', 'circuits'), { recursive: true, force: true })
      const err = (await failure(build(join(dir, 'installed-again'), {}, '--ceremonies', join(dir, 'ceremonies')))) as { stderr?: string }
      expect(err?.stderr).to.contain("tiny-v1: the ceremony's final zkey is not at")
    })

    it('refuses a ceremony run on another constraint system, or for a circuit the build does not prove with', async () => {
      const other: [string, Pick<CircuitManifestEntry, 'purpose' | 'files'>][] = [
        ['tiny-v1', { purpose: 'test', files: { ...built.circuits['tiny-v1']!.files, r1cs: 'ab'.repeat(32) } }],
      ]
      expect(await failure(install(ceremony, other)))
        .to.be.instanceOf(SetupRecordMismatchError)
        .and.include({ field: 'r1csSha256' })
      const retired: typeof other = [['tiny-v1', { ...built.circuits['tiny-v1']!, purpose: 'retired' }]]
      expect(await failure(install(ceremony, retired))).to.be.instanceOf(CeremonyStateError)
    })
  })
})
