import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'
import { listCircuits } from '../../circuits/index.js'
import { loadCircuit } from '../../circuits/node.js'
import { startCircuitBuilder, type CircuitBuilder } from '../../cli/circuit-builder.js'
import { caught } from '../helpers/errors.js'

// Real builds: the small test circuit is built again by the child process the node would start,
// from an empty cache, into a build folder of this test's own (the other circuits linked from the
// checkout's build), and must reproduce the committed hashes. The checkout's build/circuits is
// never touched: other test files use it meanwhile (mocha runs files in parallel).
describe('startCircuitBuilder (the node builds missing circuits in the background)', function () {
  this.timeout(300_000)
  const root = process.cwd()
  const small = ['sensor-stats-b16-v2']
  // What the node builds: every circuit but the retired (verify-only) ones.
  const buildable = (): ReturnType<typeof listCircuits> => listCircuits().filter(([, e]) => e.purpose !== 'retired')
  const builders: CircuitBuilder[] = []
  let cache: string
  let savedCache: string | undefined
  let buildDir: string
  const start = (): CircuitBuilder => {
    const b = startCircuitBuilder({ projectRoot: root, buildDir, pollMs: 100 })
    builders.push(b)
    return b
  }
  const remove = async (): Promise<void> => {
    for (const id of small) await rm(join(buildDir, id), { recursive: true, force: true })
  }

  before(async () => {
    cache = await mkdtemp(join(tmpdir(), 'assay-circuit-cache-'))
    savedCache = process.env.ASSAY_CACHE_DIR
    process.env.ASSAY_CACHE_DIR = cache // inherited by the build: nothing restored from a warm cache
    await mkdir(join(root, 'build'), { recursive: true })
    buildDir = await mkdtemp(join(root, 'build', 'circuit-builder-test-'))
    for (const [id] of buildable()) await symlink(join(root, 'build', 'circuits', id), join(buildDir, id), 'dir')
  })
  after(async () => {
    for (const b of builders) await b.stop()
    if (savedCache === undefined) delete process.env.ASSAY_CACHE_DIR
    else process.env.ASSAY_CACHE_DIR = savedCache
    await rm(cache, { recursive: true, force: true })
    await rm(buildDir, { recursive: true, force: true })
  })

  it('reports every circuit ready and builds nothing when all are built', () => {
    const health = start().health()
    expect(health).to.deep.equal({
      ready: buildable().length,
      total: buildable().length,
      circuits: Object.fromEntries(buildable().map(([id]) => [id, { state: 'ready' }])),
    })
  })

  it('builds the missing circuits while others are usable, tells a waiter what it waits for, and reproduces the committed artifacts', async () => {
    await remove()
    const builder = start()
    const first = builder.health()
    expect(first.ready).to.equal(buildable().length - 1)
    for (const id of small) expect(first.circuits[id]?.state).to.be.oneOf(['pending', 'building'])
    await builder.whenReady('sensor-stats-16bit-b400-v2', () => expect.fail('a built circuit needs no wait'))
    const said: string[] = []
    await builder.whenReady('sensor-stats-b16-v2', (message) => void said.push(message))
    expect(said.length).to.be.greaterThan(0)
    expect(said[0]).to.match(
      new RegExp(
        `^waiting for circuit sensor-stats-b16-v2 to be built \\((pending|building); \\d of ${buildable().length} circuits ready\\)$`,
      ),
    )
    expect(builder.health().circuits['sensor-stats-b16-v2']?.state).to.equal('ready')
    // Loading checks every file against the committed manifest's sha256.
    const circuit = await loadCircuit('sensor-stats-b16-v2', { buildDir })
    expect(circuit.circuitId).to.equal('sensor-stats-b16-v2')
    expect(builder.health().ready).to.equal(buildable().length)
  })

  it('fails the waiters of a build that was stopped, by name, instead of letting them wait forever', async () => {
    await remove()
    const builder = start()
    await builder.stop()
    const err = await caught(() => builder.whenReady('sensor-stats-b16-v2'))
    expect(err.name).to.equal('CircuitBuildError')
    expect(err.message).to.equal('circuit sensor-stats-b16-v2: its build failed: the node stopped its build')
    expect(builder.health().circuits['sensor-stats-b16-v2']).to.deep.equal({ state: 'failed', error: 'the node stopped its build' })
  })

  it('refuses to wait for a circuit the manifest does not know', async () => {
    const err = await caught(() => start().whenReady('no-such-circuit'))
    expect([err.name, err.message]).to.deep.equal(['CircuitBuildError', 'circuit no-such-circuit: not in circuits/artifacts.json'])
  })
})
