import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { cp, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { expect } from 'chai'
import { JsonRpcProvider } from 'ethers'
import {
  assayCacheDir,
  checkAgainstSetupRecord,
  committedSetupRecords,
  compareCeremonyWithRecord,
  CeremonyStateError,
  CeremonyVerificationError,
  type CeremonyTranscript,
  type PtauRecord,
  type SetupRecord,
} from '../../circuits/node.js'
import {
  buildSetupRecord,
  ceremonyFileInMemory,
  ceremonyFilesInMemory,
  createDeviceKey,
  encodeSetupRecord,
  generateProof,
  readAnchoredSetupRecord,
  sensorStatsParams,
  SetupRecordMismatchError,
  setupOfRecord,
  setupRecordCid,
  setupRecordDigest,
  verifyDatasetProofs,
  type AnchoredSetupRecord,
  type VerificationKey,
} from '../../circuits/index.js'
import { parseImportMapping } from '../../core/index.js'
import { createChainClient } from '../../contracts/index.js'
import { publishDataset, type PublishResult } from '../../pipelines/index.js'
import { auditDataset, checkSetupTranscript, createAssayClient, type AuditReport } from '../../sdk/index.js'
import { compileSolidity } from '../helpers/compile-solidity.js'
import { datasetPath } from '../helpers/datasets.js'
import { startTestGateway, type TestGateway } from '../helpers/gateway.js'
import { manifestForBatches, proveBatch, seriesSpec } from '../helpers/proven-dataset.js'
import { startTestPublisher, type TestPublisher } from '../helpers/publisher.js'
import {
  setupBeaconCommand,
  setupContributeCommand,
  setupFinalizeCommand,
  setupImportPtauCommand,
  setupInstallCommand,
  setupStartCommand,
  setupVerifyCommand,
} from '../../cli/setup-command.js'
import { writeDevPtau } from '../../scripts/dev-ptau.js'

const CIRCUIT = 'sensor-stats-b16-v2'
const cacheDir = assayCacheDir()
// The development ptau `npm run build -- --ptau 14` caches; written there when absent (once per machine).
const cachedDevPtau = join(cacheDir, 'ptau', 'assay-dev-seed-pot14.ptau')

const sha256 = async (path: string): Promise<string> =>
  createHash('sha256')
    .update(await readFile(path))
    .digest('hex')

/** Flips `count` bytes near the end of a file (inside the zkey's last points section). */
async function flipBytes(path: string, count = 8): Promise<void> {
  const bytes = await readFile(path)
  for (let i = 0; i < count; i++) bytes[bytes.length - 100 - i] = bytes[bytes.length - 100 - i]! ^ 0xff
  await writeFile(path, bytes)
}

describe('assay setup: a three-contributor phase-2 ceremony on sensor-stats-b16-v2', function () {
  this.timeout(600_000)
  let work: string
  let dir: string
  let ptau: PtauRecord
  let record: SetupRecord
  const out: string[] = []
  const ctx = { out: (s: string): void => void out.push(s) }
  const timings: Record<string, number> = {}
  const timed = async <T>(step: string, f: () => Promise<T>): Promise<T> => {
    const t0 = Date.now()
    try {
      return await f()
    } finally {
      timings[step] = (timings[step] ?? 0) + (Date.now() - t0) / 1000
    }
  }

  before(async function () {
    work = await mkdtemp(join(tmpdir(), 'assay-ceremony-'))
    dir = join(work, 'ceremony')
    // Cached as `npm run build -- --ptau 14` caches it (renamed into place, its sha256 beside it):
    // the 2^14 file costs a minute or two of both cores, once per machine.
    if (!existsSync(cachedDevPtau)) {
      await mkdir(dirname(cachedDevPtau), { recursive: true })
      const tmp = join(dirname(cachedDevPtau), `.tmp-${process.pid}-pot14.ptau`)
      try {
        await timed('dev ptau 2^14', () => writeDevPtau(tmp, 14))
        const sha = await sha256(tmp)
        await rename(tmp, cachedDevPtau)
        await writeFile(`${cachedDevPtau}.sha256`, `${sha}\n`)
      } finally {
        await rm(tmp, { force: true })
      }
    }
    const source = cachedDevPtau
    ptau = await timed('import-ptau', () => setupImportPtauCommand(source, { ...ctx, cacheDir: join(work, 'cache') }))
    await timed('start', () => setupStartCommand(CIRCUIT, { ptau: ptau.path, out: dir }, ctx))
    for (const name of ['alice', 'bob', 'carol']) await timed('contribute ×3', () => setupContributeCommand(dir, { name }, ctx))
    await timed('beacon', () => setupBeaconCommand(dir, { hash: 'aa'.repeat(32), iterations: 10 }, ctx))
    // finalize verifies the whole transcript (snarkjs verifyFromR1cs) before it writes anything.
    record = await timed('finalize', () => setupFinalizeCommand(dir, {}, ctx))
  })

  after(async () => {
    console.log(
      `      ceremony timings (s): ${JSON.stringify(Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, +v.toFixed(1)])))}`,
    )
    if (work !== undefined) await rm(work, { recursive: true, force: true })
  })

  it('records the development powers of tau as an unknown ceremony, with its hashes and power', async () => {
    expect(ptau.ceremony).to.equal('unknown ceremony')
    expect(ptau.knownAs).to.equal(undefined)
    expect(ptau.power).to.equal(14)
    expect(ptau.sha256).to.equal(await sha256(ptau.path))
    expect(ptau.blake2b512).to.match(/^[0-9a-f]{128}$/)
    expect(JSON.parse(await readFile(`${ptau.path}.json`, 'utf8'))).to.deep.equal(ptau)
  })

  it('prints each contribution hash and keeps it in the transcript, in order', async () => {
    const t = JSON.parse(await readFile(join(dir, 'ceremony.json'), 'utf8')) as CeremonyTranscript
    expect(t.contributions.map((c) => c.name)).to.deep.equal(['alice', 'bob', 'carol'])
    for (const c of t.contributions) {
      expect(c.contributionHash).to.match(/^[0-9a-f]{128}$/)
      expect(out).to.include(`contribution hash: ${c.contributionHash}`)
    }
    expect(new Set(t.contributions.map((c) => c.contributionHash)).size).to.equal(3)
  })

  it('verifies and writes a setup record whose hashes are those of the exported key, zkey, circuit and ptau', async () => {
    expect(record.circuitId).to.equal(CIRCUIT)
    expect(record.r1csSha256).to.equal(await sha256(join('build', 'circuits', CIRCUIT, 'main.r1cs')))
    expect(record.ptau).to.include({ ceremony: 'unknown ceremony', sha256: ptau.sha256, blake2b512: ptau.blake2b512, power: 14 })
    expect(record.contributions.map((c) => c.name)).to.deep.equal(['alice', 'bob', 'carol'])
    expect(record.beacon).to.include({ hash: 'aa'.repeat(32), iterationsExp: 10 })
    expect(record.vkeySha256).to.equal(await sha256(join(dir, 'verification_key.json')))
    expect(record.finalZkeySha256).to.equal(await sha256(join(dir, 'circuit_final.zkey')))
    expect(record.verifier.file).to.equal('SensorStatsB16TestV2Verifier.sol')
    expect(await readFile(join(dir, record.verifier.file), 'utf8')).to.contain('contract SensorStatsB16TestV2Verifier')
    expect(JSON.parse(await readFile(join(dir, 'setup-record.json'), 'utf8'))).to.deep.equal(record)
    // The ceremony's key is not the development build's: its delta is nobody's.
    expect(record.vkeySha256).to.not.equal(await sha256(join('build', 'circuits', CIRCUIT, 'vkey.json')))
  })

  it('rejects a contribution file whose bytes were flipped after it was recorded', async () => {
    const copy = join(work, 'flipped')
    await cp(dir, copy, { recursive: true })
    await flipBytes(join(copy, 'circuit_0002.zkey'))
    const err = await setupVerifyCommand(copy, {}, ctx).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(err).to.be.instanceOf(CeremonyVerificationError)
    expect((err as CeremonyVerificationError).file).to.equal('circuit_0002.zkey')
  })

  // `install` verifies the whole transcript as `verify` does (one run of the slow check here).
  it('refuses to install a tampered contribution even when its transcript entry was rewritten to match', async () => {
    const copy = join(work, 'forged')
    await cp(dir, copy, { recursive: true })
    await flipBytes(join(copy, 'circuit_final.zkey'))
    const t = JSON.parse(await readFile(join(copy, 'ceremony.json'), 'utf8')) as CeremonyTranscript
    t.beacon!.sha256 = await sha256(join(copy, 'circuit_final.zkey'))
    await writeFile(join(copy, 'ceremony.json'), JSON.stringify(t))
    const installed = { ...ctx, ceremoniesDir: join(work, 'ceremonies'), cacheDir: join(work, 'cache') }
    const err = await timed('install (tampered)', () => setupInstallCommand(copy, {}, installed)).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(err).to.be.instanceOf(CeremonyVerificationError)
    expect((err as Error).name).to.equal('CeremonyVerificationError')
    expect((err as CeremonyVerificationError).file).to.equal('circuit_final.zkey')
    expect(existsSync(join(work, 'ceremonies'))).to.equal(false)
  })

  it('rejects a verification key that is not the one the setup record names', async () => {
    const devVkey = join('build', 'circuits', CIRCUIT, 'vkey.json')
    const err = await checkAgainstSetupRecord(record, { vkey: devVkey }).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(err).to.be.instanceOf(SetupRecordMismatchError)
    expect(err).to.include({ name: 'SetupRecordMismatchError', field: 'vkeySha256', recorded: record.vkeySha256 })
    await checkAgainstSetupRecord(record, { vkey: join(dir, 'verification_key.json'), zkey: join(dir, 'circuit_final.zkey') })
  })

  describe('a dataset proven with the ceremony’s key', () => {
    let anchored: AnchoredSetupRecord
    let ceremonyVkey: VerificationKey
    before(async () => {
      ceremonyVkey = JSON.parse(await readFile(join(dir, 'verification_key.json'), 'utf8')) as VerificationKey
      anchored = buildSetupRecord(CIRCUIT, ceremonyVkey, record)
    })

    it('verifies with no warning under the ceremony’s setup record, read back from its anchored digest; not under the development record', async () => {
      const bytes = encodeSetupRecord(anchored)
      expect(await readAnchoredSetupRecord(bytes, await setupRecordDigest(bytes), CIRCUIT)).to.deep.equal(anchored)
      expect(setupOfRecord(anchored)).to.deep.include({ kind: 'ceremony', zkeySetup: 'ceremony' })
      expect(setupOfRecord(anchored).warning).to.equal(undefined)
      expect(anchored.phase2.contributions.map((c) => c.name)).to.deep.equal(['alice', 'bob', 'carol'])

      const artifacts = {
        circuitId: CIRCUIT,
        wasm: new Uint8Array(await readFile(join('build', 'circuits', CIRCUIT, 'main_js', 'main.wasm'))),
        zkey: new Uint8Array(await readFile(join(dir, 'circuit_final.zkey'))),
      }
      const params = sensorStatsParams(CIRCUIT)
      const device = await createDeviceKey()
      const spec = await seriesSpec(
        device,
        { metric: 'temperature', unit: '°C', scale: 0, offset: 0, nonce: 11n },
        { lo: 0n, hi: 40n },
        { lo: 0, hi: 40 },
      )
      const readings = (n: number, t0: number) => ({
        values: Array.from({ length: n }, (_, i) => BigInt(10 + ((i * 7) % 20))),
        times: Array.from({ length: n }, (_, i) => BigInt(t0 + i * 60)),
      })
      const batches = [
        await proveBatch(artifacts, params, { series: 0, index: 0, last: false }, readings(16, 0), spec),
        await proveBatch(artifacts, params, { series: 0, index: 1, last: true }, readings(4, 960), spec),
      ]
      const vkeyHash = anchored.files.vkey
      const manifest = await manifestForBatches(batches, [spec], [{ key: device, label: 'sensor' }], { circuitId: CIRCUIT, vkeyHash })
      const bundle = { version: 1 as const, circuitId: CIRCUIT, vkeyHash, batches }
      const anchoredRoot = BigInt(manifest.commitments.root)
      const result = await verifyDatasetProofs(manifest, bundle, { vkey: ceremonyVkey, vkeyHash, setupRecord: anchored, anchoredRoot })
      expect(result.ok, result.ok ? '' : result.error.message).to.equal(true)
      if (!result.ok) return
      expect(result.setup.kind).to.equal('ceremony')
      expect(result.setup.warning).to.equal(undefined)
      const development = (await committedSetupRecords())[CIRCUIT]!.record
      const underDev = await verifyDatasetProofs(manifest, bundle, { vkey: ceremonyVkey, vkeyHash, setupRecord: development, anchoredRoot })
      expect(underDev.ok).to.equal(false)
      if (underDev.ok) return
      expect(underDev.error).to.include({ name: 'SetupRecordMismatchError', field: 'files.vkey' })
    })

    it('is the ceremony the anchored record describes; a record naming other contributions, another beacon or another key is rejected by name', async () => {
      await compareCeremonyWithRecord(dir, anchored)
      const mismatch = async (changed: AnchoredSetupRecord): Promise<unknown> =>
        compareCeremonyWithRecord(dir, changed).then(
          () => undefined,
          (e: unknown) => e,
        )
      const reordered = { ...anchored, phase2: { ...anchored.phase2, contributions: [...anchored.phase2.contributions].reverse() } }
      expect(await mismatch(reordered)).to.include({ name: 'SetupRecordMismatchError', field: 'phase2.contributions' })
      const otherBeacon = { ...anchored, phase2: { ...anchored.phase2, beacon: { ...anchored.phase2.beacon!, hash: 'bb'.repeat(32) } } }
      expect(await mismatch(otherBeacon)).to.include({ name: 'SetupRecordMismatchError', field: 'phase2.beacon' })
      const development = (await committedSetupRecords())[CIRCUIT]!.record
      expect(await mismatch(development)).to.include({ name: 'SetupRecordMismatchError', field: 'ptau.source' })
      const otherKey = { ...anchored, vkey: development.vkey }
      expect(await mismatch(otherKey)).to.include({ name: 'SetupRecordMismatchError', field: 'vkey' })
    })

    it('takes the key from the final zkey, never from the directory: a record and a key file both naming a forgeable key are refused', async () => {
      // A publisher anchors the development key under the ceremony's transcript and ships that key
      // as the directory's verification_key.json and setup record: every stated hash agrees.
      const copy = join(work, 'swapped-key')
      await cp(dir, copy, { recursive: true })
      const development = (await committedSetupRecords())[CIRCUIT]!.record
      await writeFile(join(copy, 'verification_key.json'), `${JSON.stringify(development.vkey, null, 2)}\n`)
      const vkeySha256 = await sha256(join(copy, 'verification_key.json'))
      const finalized = JSON.parse(await readFile(join(copy, 'setup-record.json'), 'utf8')) as SetupRecord
      await writeFile(join(copy, 'setup-record.json'), JSON.stringify({ ...finalized, vkeySha256 }))
      const forged = { ...anchored, vkey: development.vkey, files: { ...anchored.files, vkey: vkeySha256 } }
      const err = await compareCeremonyWithRecord(copy, forged).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(err).to.include({ name: 'SetupRecordMismatchError', field: 'vkey' })
    })
  })

  describe('a dataset published under the ceremony’s setup (real anvil, Helia, trustless gateway)', () => {
    let publisher: TestPublisher
    let provider: JsonRpcProvider
    let gateway: TestGateway
    let published: PublishResult
    let digest: string
    let report: AuditReport

    before(async () => {
      const vkey = JSON.parse(await readFile(join(dir, 'verification_key.json'), 'utf8')) as VerificationKey
      const bytes = encodeSetupRecord(buildSetupRecord(CIRCUIT, vkey, record))
      digest = await setupRecordDigest(bytes)
      // What a deployment from a build with this ceremony installed holds: its verifier in the
      // circuit's slot, anchored with its record (the finalized directory's Solidity, compiled).
      const verifier = compileSolidity(await readFile(join(dir, record.verifier.file), 'utf8'), record.verifier.file.replace(/\.sol$/, ''))
      publisher = await startTestPublisher('ceremony', { setupRecords: { [CIRCUIT]: digest }, verifierCode: { [CIRCUIT]: verifier } })
      // The node's gateway serves the record the chain anchors, as it serves its build's.
      await publisher.components.contentStore.putBytes(bytes, { kind: 'setup-record', circuit: CIRCUIT })
      const artifacts = {
        circuitId: CIRCUIT,
        wasm: new Uint8Array(await readFile(join('build', 'circuits', CIRCUIT, 'main_js', 'main.wasm'))),
        zkey: new Uint8Array(await readFile(join(dir, 'circuit_final.zkey'))),
      }
      const lines = readFileSync(datasetPath('occupancy-room-2015.csv'), 'utf8').split('\n')
      const file = join(publisher.dir, 'office.csv')
      await writeFile(file, `${lines.slice(0, 21).join('\n')}\n`)
      const mapping = parseImportMapping(JSON.parse(await readFile('examples/occupancy-room-2015.mapping.json', 'utf8')))
      published = await timed('publish (ceremony)', () =>
        publishDataset(
          { ...publisher.components, prove: (_id, input) => generateProof(artifacts, input), vkeyHashOf: () => record.vkeySha256 },
          {
            file,
            mapping,
            title: 'Office room climate (ceremony setup)',
            licence: 'CC-BY-4.0',
            circuitId: CIRCUIT,
          },
        ),
      )
      gateway = await startTestGateway(publisher.components.contentStore)
      provider = new JsonRpcProvider(publisher.rpcUrl, undefined, { staticNetwork: true, cacheTimeout: -1 })
      // The auditor's key is the one this ceremony exported (a build with it installed commits it).
      report = await auditDataset({
        client: createAssayClient({ node: gateway.url }),
        chain: createChainClient(provider, publisher.chain.deployment),
        provider,
        deployment: publisher.chain.deployment,
        verificationKey: () => Promise.resolve({ vkey, vkeyHash: record.vkeySha256 }),
        datasetId: published.datasetId,
      })
    })
    after(async () => {
      gateway?.close()
      provider?.destroy()
      await publisher?.stop()
    })

    it('anchors the ceremony’s setup record with the verifier of its slot', async () => {
      const { slot } = publisher.chain.deployment.verifiers[CIRCUIT]!
      expect(await publisher.chain.setupRecordOf(slot)).to.equal(digest)
      expect((await publisher.chain.datasetOf(published.datasetId)).circuit).to.equal(slot)
    })

    it('passes every audit check from the chain and IPFS alone, with the ceremony’s setup and no warning', () => {
      expect(report.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`)).to.deep.equal([])
      expect(report.ok).to.equal(true)
      expect(report.setup).to.deep.include({ kind: 'ceremony', zkeySetup: 'ceremony' })
      expect(report.setup?.warning).to.equal(undefined)
      const proofs = report.checks.find((c) => c.name === 'proofs')!
      expect(proofs.detail).to.contain(`setup record ${setupRecordCid(digest).toString().slice(0, 16)}`)
      expect(proofs.detail).to.not.contain('development setup')
      expect(report.checks.find((c) => c.name === 'on-chain verifier')?.ok).to.equal(true)
    })

    it('passes the audit page’s setup check over the ceremony’s bytes (as a browser holds them); a tampered file fails it by name', async () => {
      const bytes = new Map<string, Uint8Array>()
      for (const name of await readdir(dir)) bytes.set(name, new Uint8Array(await readFile(join(dir, name))))
      const ptauBytes = new Uint8Array(await readFile(ptau.path))
      const client = createAssayClient({ node: gateway.url })
      const check = (files: Map<string, Uint8Array>) =>
        checkSetupTranscript({
          client,
          chain: createChainClient(provider, publisher.chain.deployment),
          datasetId: published.datasetId,
          circuitId: CIRCUIT,
          files: ceremonyFilesInMemory(files),
          ptau: () => ceremonyFileInMemory('pot14.ptau', ptauBytes),
          where: 'the chosen folder',
        })
      const passed = await timed('setup check (browser path)', () => check(bytes))
      expect(passed.ok, passed.detail).to.equal(true)
      expect(passed.detail).to.contain(`setup record ${setupRecordCid(digest).toString()}`)
      expect(passed.detail).to.contain('3 contribution(s) (alice, bob, carol) and the beacon, every one verified')
      const tampered = new Map(bytes)
      const zkey = new Uint8Array(bytes.get('circuit_0002.zkey')!)
      zkey[zkey.length - 100] = zkey[zkey.length - 100]! ^ 0xff
      tampered.set('circuit_0002.zkey', zkey)
      const failed = await check(tampered)
      expect(failed.ok).to.equal(false)
      expect(failed.detail).to.match(/^CeremonyVerificationError: circuit_0002\.zkey: sha256 [0-9a-f]{64} is not the transcript's/)
    })
  })

  it('refuses a contribution after the beacon', async () => {
    const err = await setupContributeCommand(dir, { name: 'mallory' }, ctx).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(err).to.be.instanceOf(CeremonyStateError)
  })
})
