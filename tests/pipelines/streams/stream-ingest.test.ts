import { expect } from 'chai'
import { spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { BatchInputError, createDeviceKey, sensorStatsParams, type DeviceKey } from '../../../circuits/index.js'
import type { SignedBatch } from '../../../core/index.js'
import {
  BatchVerifierError,
  createBatchVerifier,
  createStreamFeed,
  createStreamIngest,
  IngestBusyError,
  inlineBatchVerifier,
  openStreamStore,
  type BatchVerifier,
  type StreamStore,
} from '../../../pipelines/index.js'

/** This process's batch verifier children (their entry names them). */
function verifierPids(): number[] {
  return readdirSync('/proc/self/task')
    .flatMap((t) => readFileSync(`/proc/self/task/${t}/children`, 'utf8').trim().split(' ').filter(Boolean))
    .map(Number)
    .filter((pid) => alive(pid) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('batch-verifier-process'))
}

/** Whether a process exists (and is not a zombie). */
function alive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'))
  } catch {
    return false
  }
}

// Stream ingest on its real SQLite store, the chain's registration answer stubbed: what strangers
// can make it hold.
describe('stream ingest: bounded by what a stranger can send', function () {
  this.timeout(120_000)
  const CIRCUIT = 'sensor-stats-b16-v2'
  const START = 1_800_000_000
  let store: StreamStore
  let device: DeviceKey
  let stranger: DeviceKey

  before(async () => {
    device = await createDeviceKey()
    stranger = await createDeviceKey()
  })
  const STREAM = {
    streamId: '1',
    title: 'Roof',
    description: '',
    licence: 'CC0-1.0',
    tags: [],
    circuitId: CIRCUIT,
    start: START,
    windowLength: 60,
    graceS: 5,
    maxReadings: 10_000,
    deviceIds: [] as string[],
  }
  beforeEach(() => {
    store = openStreamStore(':memory:')
    store.addStream({ ...STREAM, deviceIds: [device.deviceId.toString()] })
  })
  afterEach(() => store.close())

  it('keeps no per-series state for refused batches, and frees it once a series has nothing in flight', async () => {
    const ingest = createStreamIngest({ store, deviceRegistered: () => Promise.resolve(true), now: () => START + 30 })
    const feed = (keys: DeviceKey[]) =>
      createStreamFeed({
        devices: keys,
        metrics: ['temperature', 'humidity'],
        circuitId: CIRCUIT,
        stream: { start: START, windowLength: 60 },
        interval: 1,
        batchReadings: 4,
      })
    const own = await feed([device]).batchesUntil(START + 20)
    const foreign = await feed([stranger]).batchesUntil(START + 20)
    // Strangers: a foreign device's batches under 200 made-up series ids, junk, unsigned lines.
    const forged = Array.from({ length: 200 }, (_, i) => JSON.stringify({ ...foreign[i % foreign.length]!, seriesId: String(i + 1) }))
    const junk = ['{}', 'null', '[1,2]', JSON.stringify({ format: 'assay.signed-batch/v2', seriesId: '7' })]
    const results = await ingest.ingest('1', [...forged, ...junk, ...own.map((b) => JSON.stringify(b))])
    const reasons = new Map<string, number>()
    for (const r of results) reasons.set(r.ok ? 'ok' : r.reason, (reasons.get(r.ok ? 'ok' : r.reason) ?? 0) + 1)
    expect(Object.fromEntries(reasons)).to.deep.equal({ 'foreign-device': 200, unsigned: 3, malformed: 1, ok: own.length })
    // Let the queues' tails settle (each entry is freed on the microtask after its last batch).
    await new Promise((r) => setImmediate(r))
    expect(ingest.inFlight()).to.equal(0)
  })

  /** A verifier that holds every batch until its release in `held` is called. */
  const heldVerifier = (): { held: Array<() => void>; slow: BatchVerifier } => {
    const held: Array<() => void> = []
    const slow: BatchVerifier = {
      verify: async (b, params) => {
        await new Promise<void>((r) => held.push(r))
        return inlineBatchVerifier.verify(b, params)
      },
      close: () => Promise.resolve(),
    }
    return { held, slow }
  }

  describe('checked off the event loop', function () {
    let processes: BatchVerifier
    before(() => (processes = createBatchVerifier({ processes: 2 })))
    after(() => processes.close())
    const feedOf = (keys: DeviceKey[], metrics = ['temperature']) =>
      createStreamFeed({
        devices: keys,
        metrics,
        circuitId: CIRCUIT,
        stream: { start: START, windowLength: 60 },
        interval: 1,
        batchReadings: 2,
      })

    it("takes a series' batches in the order they came though processes check them in parallel", async () => {
      const ingest = createStreamIngest({
        store,
        verifier: processes,
        deviceRegistered: () => Promise.resolve(true),
        now: () => START + 59,
      })
      const batches = await feedOf([device], ['temperature', 'humidity']).batchesUntil(START + 50)
      expect(batches.length).to.be.greaterThan(30)
      const results = await ingest.ingest(
        '1',
        batches.map((b) => JSON.stringify(b)),
      )
      expect(results.filter((r) => !r.ok)).to.deep.equal([])
      expect(store.windows('1')[0]!.readings).to.equal(batches.reduce((n, b) => n + b.times.length, 0))
    })

    it("refuses a batch whose signature is not the device's, and one whose readings break the circuit, as the inline check does", async () => {
      const [good] = await feedOf([device]).batchesUntil(START + 4)
      const [foreign] = await feedOf([stranger]).batchesUntil(START + 4)
      const forged: SignedBatch = { ...foreign!, device: good!.device }
      const unfit: SignedBatch = { ...good!, times: good!.times.map(() => good!.times[0]!) }
      for (const verifier of [processes, inlineBatchVerifier]) {
        store.close()
        store = openStreamStore(':memory:')
        store.addStream({ ...STREAM, deviceIds: [device.deviceId.toString()] })
        const ingest = createStreamIngest({ store, verifier, deviceRegistered: () => Promise.resolve(true), now: () => START + 30 })
        const results = await ingest.ingest('1', [JSON.stringify(forged), JSON.stringify(unfit)])
        expect(results.map((r) => (r.ok ? 'ok' : r.reason))).to.deep.equal(['bad-signature', 'invalid-readings'])
        expect(store.windows('1')).to.deep.equal([])
      }
    })

    it("rejects a batch whose readings break the circuit with the process's own BatchInputError, as the inline check does", async () => {
      const [good] = await feedOf([device]).batchesUntil(START + 4)
      const unfit: SignedBatch = { ...good!, times: good!.times.map(() => good!.times[0]!) }
      const params = sensorStatsParams(CIRCUIT)
      const [inChild, inline] = await Promise.all(
        [processes, inlineBatchVerifier].map((v) =>
          v.verify(unfit, params).then(
            () => expect.fail('accepted'),
            (e: unknown) => e,
          ),
        ),
      )
      expect(inChild).to.be.instanceOf(BatchInputError)
      expect(inChild).to.deep.include({
        name: (inline as Error).name,
        message: (inline as Error).message,
        slot: (inline as BatchInputError).slot,
      })
      expect((inChild as BatchInputError).slot).to.be.a('number')
    })

    it('refuses by name a request beyond the batches it checks at once, taking none of it', async () => {
      // The first request stays in flight until released.
      const { held, slow } = heldVerifier()
      const ingest = createStreamIngest({
        store,
        verifier: slow,
        maxInFlight: 3,
        deviceRegistered: () => Promise.resolve(true),
        now: () => START + 30,
      })
      const batches = (await feedOf([device]).batchesUntil(START + 10)).map((b) => JSON.stringify(b))
      const first = ingest.ingest('1', batches.slice(0, 3))
      let busy: unknown
      await ingest.ingest('1', batches.slice(3, 4)).catch((e: unknown) => (busy = e))
      expect(busy).to.be.instanceOf(IngestBusyError)
      expect(ingest.batchesInFlight()).to.equal(3)
      while (held.length < 3) await new Promise((r) => setImmediate(r))
      held.forEach((release) => release())
      expect((await first).every((r) => r.ok)).to.equal(true)
      expect(ingest.batchesInFlight()).to.equal(0)
      expect(store.windows('1')[0]!.readings).to.equal(6)
      // Room again: the refused batch goes in now.
      const again = ingest.ingest('1', batches.slice(3, 4))
      while (held.length < 4) await new Promise((r) => setImmediate(r))
      held[3]!()
      expect((await again)[0]!.ok).to.equal(true)
    })

    it('drops the pending check of every batch refused before its signature mattered: the verifier holds no more than the batches in flight', async () => {
      // A verifier whose checks never finish unless dropped: what a backlog of forgeries would look like.
      const pending = new Set<AbortSignal>()
      const stuck: BatchVerifier = {
        verify: (_b, _p, options) =>
          new Promise((_resolve, reject) => {
            const signal = options!.signal!
            pending.add(signal)
            signal.addEventListener('abort', () => {
              pending.delete(signal)
              reject(new BatchVerifierError('dropped'))
            })
          }),
        close: () => Promise.resolve(),
      }
      const ingest = createStreamIngest({ store, verifier: stuck, deviceRegistered: () => Promise.resolve(true), now: () => START + 30 })
      // The device's own key, a junk signature and an index the series is not at: refused out of order.
      const [b] = await feedOf([device]).batchesUntil(START + 4)
      const forged = Array.from({ length: 40 }, (_, i) =>
        JSON.stringify({ ...b!, batchIndex: 5, seriesId: String(i + 1), signature: { R8x: '1', R8y: '2', S: '3' } }),
      )
      for (let round = 0; round < 5; round++) {
        const results = await ingest.ingest('1', forged)
        expect(new Set(results.map((r) => (r.ok ? 'ok' : r.reason)))).to.deep.equal(new Set(['out-of-order']))
        expect(ingest.batchesInFlight()).to.equal(0)
        expect(pending.size).to.equal(0)
      }
    })

    it('gives each client a share of the batches in flight: one client at its share is refused by name, another is not', async () => {
      const { held, slow } = heldVerifier()
      store.close()
      store = openStreamStore(':memory:')
      store.addStream({ ...STREAM, deviceIds: [device.deviceId.toString(), stranger.deviceId.toString()] })
      const ingest = createStreamIngest({
        store,
        verifier: slow,
        maxInFlightPerClient: 2,
        deviceRegistered: () => Promise.resolve(true),
        now: () => START + 30,
      })
      const mine = (await feedOf([device]).batchesUntil(START + 6)).map((b) => JSON.stringify(b))
      const theirs = (await feedOf([stranger]).batchesUntil(START + 2)).map((b) => JSON.stringify(b))
      const first = ingest.ingest('1', mine.slice(0, 2), { client: '203.0.113.7' })
      let busy: unknown
      await ingest.ingest('1', mine.slice(2, 3), { client: '203.0.113.7' }).catch((e: unknown) => (busy = e))
      expect(busy).to.be.instanceOf(IngestBusyError)
      expect((busy as Error).message).to.match(/this client has 2 batches being checked/)
      const other = ingest.ingest('1', theirs.slice(0, 1), { client: '198.51.100.9' })
      while (held.length < 3) await new Promise((r) => setImmediate(r))
      held.forEach((release) => release())
      expect([...(await first), ...(await other)].every((r) => r.ok)).to.equal(true)
    })

    it('answers busy, taking nothing, for a batch its verifier could not check', async () => {
      const broken: BatchVerifier = {
        verify: () => Promise.reject(new BatchVerifierError('the process stopped')),
        close: () => Promise.resolve(),
      }
      const ingest = createStreamIngest({ store, verifier: broken, deviceRegistered: () => Promise.resolve(true), now: () => START + 30 })
      const [b] = await feedOf([device]).batchesUntil(START + 4)
      const [result] = await ingest.ingest('1', [JSON.stringify(b)])
      expect(result).to.include({ ok: false, reason: 'busy' })
      expect(store.windows('1')).to.deep.equal([])
    })

    it('drops a queued check whose caller aborted, and still answers the others', async () => {
      const pool = createBatchVerifier({ processes: 1 })
      try {
        const batches = await feedOf([device]).batchesUntil(START + 40)
        const params = sensorStatsParams(CIRCUIT)
        const controllers = batches.map(() => new AbortController())
        const outcomes = batches.map((b, i) => pool.verify(b, params, { signal: controllers[i]!.signal }).catch((e: unknown) => e))
        controllers.slice(5).forEach((c) => c.abort())
        const settled = await Promise.all(outcomes)
        expect(settled.slice(0, 5).every((o) => (o as { signed?: boolean }).signed === true)).to.equal(true)
        const dropped = settled.filter((o) => o instanceof BatchVerifierError)
        expect(dropped.length).to.be.greaterThan(batches.length - 10)
        expect((dropped[0] as Error).message).to.match(/dropped before it started/)
      } finally {
        await pool.close()
      }
    })

    it('fails a check that takes too long by name and replaces its process: the next check is answered, not left hanging', async () => {
      const pool = createBatchVerifier({ processes: 1, taskTimeoutMs: 1 })
      try {
        const [b] = await feedOf([device]).batchesUntil(START + 4)
        const params = sensorStatsParams(CIRCUIT)
        for (let i = 0; i < 2; i++) {
          const outcome = await pool.verify(b!, params).catch((e: unknown) => e)
          expect(outcome).to.be.instanceOf(BatchVerifierError)
          expect((outcome as Error).message).to.match(/took over 1 ms; its process is replaced/)
        }
      } finally {
        await pool.close()
      }
    })

    it('fails the batches still waiting when the verifier closes, by name', async () => {
      const pool = createBatchVerifier({ processes: 1 })
      const [b] = await feedOf([device]).batchesUntil(START + 4)
      const pending = Array.from({ length: 5 }, () =>
        pool.verify(b!, { batchSize: 16, valueBits: 16, timeBits: 32, gapBits: 16 }).catch((e: unknown) => e),
      )
      await pool.close()
      const outcomes = await Promise.all(pending)
      expect(outcomes.some((o) => o instanceof BatchVerifierError)).to.equal(true)
      await pool.verify(b!, { batchSize: 16, valueBits: 16, timeBits: 32, gapBits: 16 }).then(
        () => expect.fail('a closed verifier checked a batch'),
        (e: unknown) => expect(e).to.be.instanceOf(BatchVerifierError),
      )
    })

    it('fails the batch being checked by name when its process is killed, and checks the next ones in a replacement', async () => {
      const pool = createBatchVerifier({ processes: 1 })
      try {
        const batches = await feedOf([device]).batchesUntil(START + 40)
        const params = sensorStatsParams(CIRCUIT)
        const before = verifierPids()
        let killed: number[] = []
        const outcomes = batches.map((b) => pool.verify(b, params).catch((e: unknown) => e))
        // Killed as the first answer arrives: the second batch is then in the process's hands.
        void outcomes[0]!.then(() => {
          killed = verifierPids().filter((pid) => !before.includes(pid))
          killed.forEach((pid) => process.kill(pid, 'SIGKILL'))
        })
        const settled = await Promise.all(outcomes)
        expect(killed).to.have.length(1)
        const failed = settled.filter((o) => o instanceof BatchVerifierError)
        expect(failed).to.have.length(1)
        expect((failed[0] as Error).message).to.match(/process stopped while checking this batch/)
        expect(settled.filter((o) => (o as { signed?: boolean }).signed === true)).to.have.length(batches.length - 1)
        const replacement = verifierPids().filter((pid) => !before.includes(pid))
        expect(replacement).to.have.length(1)
        expect(replacement[0]).to.not.equal(killed[0])
      } finally {
        await pool.close()
      }
    })

    it('leaves no process behind once closed', async () => {
      const before = verifierPids()
      const pool = createBatchVerifier({ processes: 2 })
      const [b] = await feedOf([device]).batchesUntil(START + 4)
      await pool.verify(b!, sensorStatsParams(CIRCUIT))
      const mine = verifierPids().filter((pid) => !before.includes(pid))
      expect(mine).to.have.length(2)
      await pool.close()
      expect(verifierPids().filter((pid) => mine.includes(pid))).to.deep.equal([])
      for (const pid of mine) expect(() => process.kill(pid, 0)).to.throw(/ESRCH/)
    })

    it('lets a program end while its verifier processes are idle, and they end when it is killed', async () => {
      const [b] = await feedOf([device]).batchesUntil(START + 4)
      // A program that checks one batch, prints its verifier processes, then has nothing left to
      // do (it must exit by itself), or waits forever (it is SIGKILLed: its processes must go too).
      const program = (wait: boolean): string => `
        import { createBatchVerifier } from ${JSON.stringify(new URL('../../../pipelines/index.ts', import.meta.url).href)}
        import { readdirSync, readFileSync } from 'node:fs'
        const pool = createBatchVerifier({ processes: 2 })
        const r = await pool.verify(JSON.parse(process.argv[1]), ${JSON.stringify(sensorStatsParams(CIRCUIT))})
        const pids = readdirSync('/proc/self/task').flatMap((t) => readFileSync('/proc/self/task/' + t + '/children', 'utf8').trim().split(' ').filter(Boolean))
        console.log(JSON.stringify({ signed: r.signed, pids: pids.map(Number) }))
        ${wait ? 'setInterval(() => undefined, 1000)' : ''}`
      const run = (wait: boolean) => {
        const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', program(wait), JSON.stringify(b)], {
          cwd: fileURLToPath(new URL('../../..', import.meta.url)),
          stdio: ['ignore', 'pipe', 'inherit'],
        })
        const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
        const printed = new Promise<{ signed: boolean; pids: number[] }>((resolve) => {
          let out = ''
          child.stdout.on('data', (d: Buffer) => {
            out += d.toString()
            if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]!) as { signed: boolean; pids: number[] })
          })
        })
        return { child, exited, printed }
      }
      const gone = async (pids: number[]): Promise<boolean> => {
        for (let i = 0; i < 100; i++) {
          if (pids.every((pid) => !alive(pid))) return true
          await new Promise((r) => setTimeout(r, 100))
        }
        return false
      }

      const idle = run(false)
      const first = await idle.printed
      expect(first).to.include({ signed: true })
      expect(first.pids).to.have.length(2)
      expect(await Promise.race([idle.exited, new Promise((r) => setTimeout(() => r('still running'), 20_000))])).to.equal(0)
      expect(await gone(first.pids)).to.equal(true)

      const killed = run(true)
      const second = await killed.printed
      expect(second.pids).to.have.length(2)
      killed.child.kill('SIGKILL')
      await killed.exited
      expect(await gone(second.pids)).to.equal(true)
    })
  })
})
