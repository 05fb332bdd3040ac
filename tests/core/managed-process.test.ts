import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'
import { startManagedProcess, isProcessAlive } from '../../core/node.js'
import { caught } from '../helpers/errors.js'

describe('startManagedProcess', () => {
  let dir: string
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'assay-proc-'))
  })
  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('waits for readiness, logs output, and stops the process on stop()', async () => {
    let polls = 0
    const logFile = join(dir, 'sleeper.log')
    const proc = await startManagedProcess('sleeper', process.execPath, ['-e', 'console.log("up"); setInterval(() => {}, 1000)'], {
      // Ready once polled twice and the child has spoken (a loaded machine starts node slowly).
      ready: async () => ++polls >= 2 && (await readFile(logFile, 'utf8').catch(() => '')).includes('up'),
      logFile,
    })
    expect(isProcessAlive(proc.pid)).to.equal(true)
    await proc.stop()
    expect(isProcessAlive(proc.pid)).to.equal(false)
    expect(await readFile(logFile, 'utf8')).to.contain('up')
    await proc.stop() // a second stop is harmless
  })

  it('reports an early exit as a ServiceError carrying the last output lines', async () => {
    const error = await caught(() =>
      startManagedProcess('crasher', process.execPath, ['-e', 'console.error("bad flag --x"); process.exit(3)'], {
        ready: () => Promise.resolve(false),
      }),
    )
    expect(error).to.have.property('name', 'ServiceError')
    expect(error.message).to.contain('crasher: exited with code 3').and.contain('bad flag --x')
  })

  it('kills a process that never becomes ready and says so', async () => {
    const error = await caught(() =>
      startManagedProcess('stuck', process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
        ready: () => Promise.resolve(false),
        timeoutMs: 600,
      }),
    )
    expect(error).to.have.property('name', 'ServiceError')
    expect(error.message).to.contain('was not ready within 600 ms')
  })

  it('reports a missing binary as a ServiceError', async () => {
    const error = await caught(() => startManagedProcess('ghost', '/nonexistent/binary', [], { ready: () => Promise.resolve(true) }))
    expect(error).to.have.property('name', 'ServiceError')
    expect(error.message).to.contain('ghost')
  })
})
