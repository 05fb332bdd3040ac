import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'
import { getHonkCircuit, listCircuits } from '../../circuits/index.js'
import { assayCacheDir, loadHonkCircuit } from '../../circuits/node.js'
import { startCircuitBuilder, type CircuitBuilder } from '../../cli/circuit-builder.js'
import { caught } from '../helpers/errors.js'

// A real build of the small UltraHonk circuit by the child process a node starts on first use,
// into a build folder and an artifact cache of this test's own (the development powers of tau
// linked from the machine's cache, which `npm run build` filled), so nothing is restored: the
// Noir program is compiled, its key computed and both checked against the committed manifest.
describe('startCircuitBuilder with UltraHonk circuits (built on their first use)', function () {
  this.timeout(300_000)
  const root = process.cwd()
  const HONK = 'sensor-stats-b16-v3-honk'
  const builders: CircuitBuilder[] = []
  let cache: string
  let savedCache: string | undefined
  let buildDir: string
  const start = (): CircuitBuilder => {
    const b = startCircuitBuilder({ projectRoot: root, buildDir, pollMs: 100 })
    builders.push(b)
    return b
  }

  before(async () => {
    const machineCache = assayCacheDir()
    cache = await mkdtemp(join(tmpdir(), 'assay-honk-cache-'))
    await symlink(join(machineCache, 'ptau'), join(cache, 'ptau'), 'dir')
    // The reference string too: writing it on first use has its own test (dev-bb-crs); this one is about the build.
    if (existsSync(join(machineCache, 'honk-crs'))) await symlink(join(machineCache, 'honk-crs'), join(cache, 'honk-crs'), 'dir')
    savedCache = process.env.ASSAY_CACHE_DIR
    process.env.ASSAY_CACHE_DIR = cache // inherited by the build
    await mkdir(join(root, 'build'), { recursive: true })
    buildDir = await mkdtemp(join(root, 'build', 'honk-builder-test-'))
    // The Groth16 circuits (every one the builder builds) are there already: it starts no build of its own.
    for (const [id] of listCircuits().filter(([, entry]) => entry.purpose !== 'retired'))
      await symlink(join(root, 'build', 'circuits', id), join(buildDir, id), 'dir')
  })
  after(async () => {
    for (const b of builders) await b.stop()
    if (savedCache === undefined) delete process.env.ASSAY_CACHE_DIR
    else process.env.ASSAY_CACHE_DIR = savedCache
    await rm(cache, { recursive: true, force: true })
    await rm(buildDir, { recursive: true, force: true })
  })

  it('builds an UltraHonk circuit when a publication first waits for it, says so, and reproduces the committed artifacts', async () => {
    const builder = start()
    expect(builder.health().ready).to.equal(builder.health().total) // nothing built at start
    const said: string[] = []
    await builder.whenReady(HONK, (message) => void said.push(message))
    expect(said).to.deep.equal([`waiting for UltraHonk circuit ${HONK} to be built (first use on this node)`])
    const circuit = await loadHonkCircuit(HONK, { buildDir, cacheDir: cache })
    expect(circuit.entry).to.deep.equal(getHonkCircuit(HONK))
    // Built now: a second waiter is answered at once.
    await builder.whenReady(HONK, () => expect.fail('a built circuit needs no wait'))
  })

  it('fails a waiter by name when the node stops before the build ends', async () => {
    await rm(join(buildDir, HONK), { recursive: true, force: true })
    const builder = start()
    const waiting = builder.whenReady(HONK)
    await builder.stop()
    const err = await caught(() => waiting)
    expect(err.name).to.equal('CircuitBuildError')
    // Stopped before the build process started, or while it ran: either way the waiter hears why.
    expect(err.message).to.match(new RegExp(`^circuit ${HONK}: (the node is stopping|its build failed \\()`))
  })
})
