import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { promisify } from 'node:util'
import { expect } from 'chai'
import * as snarkjs from 'snarkjs'
import { writeDevPtau } from '../../scripts/dev-ptau.js'

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
})
