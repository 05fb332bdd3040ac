import { readFileSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'
import { HDNodeWallet, JsonRpcProvider, NonceManager } from 'ethers'
import { CID } from 'multiformats/cid'
import {
  deviceCreateCommand,
  deviceRegisterCommand,
  parseDuration,
  publishCommand,
  retryCommand,
  simulateCommand,
  startNode,
  type AssayNode,
} from '../../cli/index.js'
import {
  createDeviceKey,
  parseProofBundle,
  signEddsaPoseidon,
  SNARK_FIELD,
  verifyProofBundle,
  type DeviceKey,
} from '../../circuits/index.js'
import { loadCircuit } from '../../circuits/node.js'
import { DEV_MNEMONIC, loadConfig } from '../../core/index.js'
import { createChainClient, deviceRegistrationMessage } from '../../contracts/index.js'
import { datasetPath } from '../helpers/datasets.js'
import { caught } from '../helpers/errors.js'
import { operatorHeaders } from '../helpers/operator.js'

describe('assay publish through a running node (upload → BullMQ flow → anchored and listed)', function () {
  this.timeout(600_000)
  let dir: string
  let node: AssayNode
  let file: string
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'assay-publish-cli-'))
    node = await startNode({ ...loadConfig({ ASSAY_DATA_DIR: join(dir, 'data') }), port: 0 }, () => undefined)
    const lines = readFileSync(datasetPath('occupancy-room-2015.csv'), 'utf8').split('\n')
    file = join(dir, 'office.csv')
    await writeFile(file, `${lines.slice(0, 61).join('\n')}\n`)
  })
  after(async () => {
    await node?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('uploads with the committed mapping, shows each stage, and prints the published dataset as JSON', async () => {
    const out: string[] = []
    const err: string[] = []
    const result = await publishCommand(
      file,
      {
        node: node.url,
        operatorToken: node.operatorToken,
        map: 'examples/occupancy-room-2015.mapping.json',
        title: 'Office, one hour',
        price: '0.01',
        period: '7d',
        json: true,
      },
      { out: (s) => out.push(s), err: (s) => err.push(s) },
    )
    const printed = JSON.parse(out.at(-1)!) as { datasetId: string; root: string; stats: Array<{ metric: string; count: number }> }
    expect(printed.datasetId).to.equal(result!.datasetId)
    expect(printed.stats.map((s) => [s.metric, s.count])).to.deep.equal([
      ['temperature', 60],
      ['humidity', 60],
      ['light', 60],
      ['co2', 60],
      ['humidity_ratio', 60],
    ])
    expect(err.join('\n')).to.contain('prove').and.contain('list✓')
    const listing = await node.chain.listingOf(BigInt(printed.datasetId))
    expect([listing.price, listing.accessPeriod]).to.deep.equal([10n ** 16n, 7n * 86_400n])
    expect((await node.chain.datasetOf(BigInt(printed.datasetId))).root.toString()).to.equal(printed.root)
    // The node's catalog picks it up from the chain and checks its proofs.
    let entry: { title?: string; verification?: { status: string } } = {}
    for (let i = 0; i < 100 && entry.verification?.status !== 'verified'; i++, await new Promise((r) => setTimeout(r, 200)))
      entry = (await (await fetch(new URL(`/datasets/${printed.datasetId}`, node.url))).json()) as typeof entry
    expect([entry.title, entry.verification?.status]).to.deep.equal(['Office, one hour', 'verified'])
  })

  it('infers the mapping on the node when none is given', async () => {
    // Two sensor columns: inference is what is tested here, and each series costs a proof.
    const narrow = join(dir, 'office-narrow.csv')
    const rows = (await readFile(file, 'utf8')).trim().split('\n')
    await writeFile(narrow, `${rows.map((r) => r.split(',').slice(0, 3).join(',')).join('\n')}\n`)
    const result = await publishCommand(
      narrow,
      { node: node.url, operatorToken: node.operatorToken, title: 'Office, inferred mapping' },
      { out: () => undefined, err: () => undefined },
    )
    expect(result!.stats.map((x) => x.metric)).to.deep.equal(['Temperature', 'Humidity'])
  })

  it('reports a refused upload with the node’s named error: a bad mapping, a missing title, no file', async () => {
    const badMap = join(dir, 'bad.json')
    await writeFile(
      badMap,
      JSON.stringify({ version: 1, format: 'csv', timestamp: { columns: ['Nope'] }, metrics: [{ column: 'Temperature' }] }),
    )
    const e1 = await caught(() =>
      publishCommand(
        file,
        { node: node.url, operatorToken: node.operatorToken, map: badMap, title: 't' },
        { out: () => undefined, err: () => undefined },
      ),
    )
    // No retry hint: the file and mapping a publication was made with do not change.
    expect(e1.name).to.equal('PublishCommandError')
    expect(e1.message).to.match(
      /^publication pub-[\w-]+ failed: ingest: MissingColumnError: office\.csv has no column "Nope" \(it has "Date", "Temperature", "Humidity", "Light", "CO2", "HumidityRatio", "Occupancy"\)$/,
    )
    const form = new FormData()
    form.append('file', new Blob(['a,b\n']), 'x.csv')
    const res = await fetch(new URL('/datasets', node.url), { method: 'POST', body: form, headers: operatorHeaders(node.operatorToken) })
    expect(res.status).to.equal(400)
    expect(((await res.json()) as { error: { name: string; message: string } }).error).to.deep.equal({
      name: 'ValidationError',
      message: 'title: Invalid input: expected string, received undefined',
      category: 'bad-input',
      retryable: false,
    })
    const noFile = new FormData()
    noFile.append('title', 'x')
    const res2 = await fetch(new URL('/datasets', node.url), { method: 'POST', body: noFile, headers: operatorHeaders(node.operatorToken) })
    expect(((await res2.json()) as { error: { message: string } }).error.message).to.equal('file: no file part named "file" in the upload')
    expect((await fetch(new URL('/jobs/nope', node.url), { headers: operatorHeaders(node.operatorToken) })).status).to.equal(404)
  })

  it('previews a mapping before upload: inferred, edited, refused with a named error; serves verification keys', async () => {
    const preview = async (body: string, name: string, mapping?: unknown): Promise<{ status: number; body: Record<string, unknown> }> => {
      const form = new FormData()
      if (mapping !== undefined) form.append('mapping', JSON.stringify(mapping))
      form.append('file', new Blob([body]), name)
      const res = await fetch(new URL('/mappings/preview', node.url), {
        method: 'POST',
        body: form,
        headers: operatorHeaders(node.operatorToken),
      })
      return { status: res.status, body: (await res.json()) as Record<string, unknown> }
    }
    const text = readFileSync(file, 'utf8')
    const inferred = await preview(text, 'office.csv')
    expect(inferred.status).to.equal(200)
    const mapping = inferred.body.mapping as { metrics: Array<{ column: string }> }
    expect(mapping.metrics.map((m) => m.column)).to.deep.equal(['Temperature', 'Humidity', 'Light', 'CO2', 'HumidityRatio'])
    expect((inferred.body.rows as unknown[]).length).to.equal(12)
    const edited = await preview(text, 'office.csv', { ...mapping, metrics: [{ column: 'CO2', name: 'co2', unit: 'ppm' }] })
    expect((edited.body.rows as Array<{ values: Record<string, string> }>)[0]!.values).to.deep.equal({ co2: '721.25' })
    const bad = await preview(text, 'office.csv', { version: 2 })
    expect([bad.status, (bad.body.error as { name: string }).name]).to.deep.equal([400, 'ValidationError'])
    const noTime = await preview('a,b\n1,2\n', 'x.csv')
    expect([noTime.status, (noTime.body.error as { name: string }).name]).to.deep.equal([400, 'SourceFormatError'])
    const vkey = await fetch(new URL('/circuits/sensor-stats-b16-v2/vkey.json', node.url))
    expect([vkey.status, ((await vkey.json()) as { protocol: string }).protocol]).to.deep.equal([200, 'groth16'])
    const unknown = await fetch(new URL('/circuits/nope/vkey.json', node.url))
    expect([unknown.status, ((await unknown.json()) as { error: { name: string } }).error.name]).to.deep.equal([404, 'NotFoundError'])
  })

  it('publishes readings signed by the seller’s own devices: device create → simulate → publish refused → register → retry', async () => {
    const quiet = { out: () => undefined, err: () => undefined }
    const keys = [join(dir, 'roof.key.json'), join(dir, 'balcony.key.json')]
    await deviceCreateCommand({ out: keys[0]!, label: 'roof' }, quiet)
    await deviceCreateCommand({ out: keys[1]!, label: 'balcony' }, quiet)
    expect((await caught(() => deviceCreateCommand({ out: keys[0]! }, quiet))).name).to.equal('DeviceKeyFileError')
    const sim = await simulateCommand(
      {
        out: join(dir, 'sim.ndjson'),
        devices: keys,
        metrics: 'temperature',
        readings: 20,
        interval: '60',
        start: '2026-01-01T00:00:00Z',
        seed: 5,
        circuit: 'sensor-stats-b16-v2',
      },
      quiet,
    )
    expect([sim.readings, sim.batches]).to.deep.equal([40, 4])

    // Unregistered devices: the node proves and stores, then refuses to anchor, naming the device.
    const refused = await caught(() =>
      publishCommand(sim.file, { node: node.url, operatorToken: node.operatorToken, title: 'Two simulated sensors' }, quiet),
    )
    expect(refused.message).to.match(/anchor: DeviceNotRegisteredError: device "roof" \(\d+…\) may not be published by 0x/)
    const jobId = /\(once the cause is fixed: assay retry (pub-[\w-]+)\)$/.exec(refused.message)?.[1]
    expect(jobId, refused.message).to.be.a('string')

    const registered = await deviceRegisterCommand(keys[0]!, { node: node.url, operatorToken: node.operatorToken }, quiet)
    expect(registered.alreadyRegistered).to.equal(false)
    await deviceRegisterCommand(keys[1]!, { node: node.url, operatorToken: node.operatorToken }, quiet)
    expect(
      (await deviceRegisterCommand(keys[0]!, { node: node.url, operatorToken: node.operatorToken }, quiet)).alreadyRegistered,
    ).to.equal(true)
    const device = (await (await fetch(new URL(`/devices/${registered.deviceId}`, node.url))).json()) as Record<string, unknown>
    expect([device.owner, device.revokedAt, device.publishableByThisNode]).to.deep.equal([registered.owner, null, true])

    // The failed publication goes on from where it stopped: proofs and stored content are kept.
    const result = await retryCommand(jobId!, { node: node.url, operatorToken: node.operatorToken, json: true }, quiet)
    const retriedAgain = await caught(() => retryCommand(jobId!, { node: node.url, operatorToken: node.operatorToken }, quiet))
    expect(retriedAgain.message).to.equal(
      `PublicationNotFailedError: publication ${jobId} is completed; only a failed publication can be retried`,
    )
    expect((await caught(() => retryCommand('pub-none', { node: node.url, operatorToken: node.operatorToken }, quiet))).message).to.equal(
      'NotFoundError: no job pub-none',
    )
    expect((await caught(() => retryCommand('../../etc', { node: node.url, operatorToken: node.operatorToken }, quiet))).message).to.match(
      /^NotFoundError|^404/,
    )
    const manifest = await node.contentStore.getManifest(CID.parse(result!.manifestCid))
    expect(manifest.devices.map((d) => [d.label, d.gateway])).to.deep.equal([
      ['roof', false],
      ['balcony', false],
    ])
    expect(manifest.devices[0]!.deviceId).to.equal(registered.deviceId)
    const report = (await node.contentStore.getJson(CID.parse(manifest.quality.reportCid))) as { signedBy: string }
    expect(report.signedBy).to.equal('devices')
    expect(manifest.stats.map((st) => st.count)).to.deep.equal([20, 20])
    // Every proof shows its batch was signed by one of the two devices, and the stats are the file's.
    const bundle = parseProofBundle(await node.contentStore.getJson(CID.parse(manifest.proofs.bundleCid)))
    const verdict = await verifyProofBundle(bundle, {
      vkey: (await loadCircuit(bundle.circuitId)).vkey,
      vkeyHash: bundle.vkeyHash,
      expectedRoot: BigInt(manifest.commitments.root),
      allowedDevices: new Set(manifest.devices.map((d) => BigInt(d.deviceId))),
    })
    expect(verdict.problems).to.deep.equal([])
    const signed = readFileSync(sim.file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { device: { label: string }; values: number[] })
    const roof = signed.filter((b) => b.device.label === 'roof').flatMap((b) => b.values.map((v) => (v - 5000) / 100))
    expect(manifest.stats[0]!.mean).to.be.closeTo(roof.reduce((a, b) => a + b, 0) / roof.length, 1e-9)
    expect([manifest.stats[0]!.min, manifest.stats[0]!.max]).to.deep.equal([Math.min(...roof), Math.max(...roof)])
  })

  it('refuses device registrations it cannot honour with a named error', async () => {
    const post = async (body: unknown) => {
      const res = await fetch(new URL('/devices', node.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...operatorHeaders(node.operatorToken) },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      })
      return [res.status, ((await res.json()) as { error?: { name: string; message: string } }).error] as const
    }
    // What a device key signs to be registered to this node's account: its own terms, from the chain.
    const terms = (await (
      await fetch(new URL('/devices/registration', node.url), { headers: operatorHeaders(node.operatorToken) })
    ).json()) as Record<string, string>
    const onChain = await node.chain.registrationTerms()
    expect(terms).to.deep.equal({
      owner: onChain.owner,
      chainId: String(node.deployment.chainId),
      registry: node.deployment.contracts.deviceRegistry,
      nonce: onChain.nonce.toString(),
    })
    const proofBy = async (key: DeviceKey, nonce = onChain.nonce) => {
      const s = await signEddsaPoseidon(key.privateKey, deviceRegistrationMessage({ ...onChain, nonce }))
      return { nonce: nonce.toString(), R8x: s.R8x.toString(), R8y: s.R8y.toString(), S: s.S.toString() }
    }
    const body = async (key: DeviceKey, proof?: Awaited<ReturnType<typeof proofBy>>) => ({
      publicKey: { x: key.Ax.toString(), y: key.Ay.toString() },
      proof: proof ?? (await proofBy(key)),
    })
    const mine = await createDeviceKey()
    const stranger = await createDeviceKey()
    expect(await post({ publicKey: { x: mine.Ax.toString(), y: mine.Ay.toString() } })).to.deep.equal([
      400,
      {
        name: 'ValidationError',
        message: 'proof: Invalid input: expected object, received undefined',
        category: 'bad-input',
        retryable: false,
      },
    ])
    expect(await post({ ...(await body(mine)), publicKey: { x: '1', y: '2' } })).to.deep.equal([
      400,
      {
        name: 'ValidationError',
        message: 'publicKey: (1, 2) is not a device key: it is not a point of Baby Jubjub (see `assay device create`)',
        category: 'bad-input',
        retryable: false,
      },
    ])
    // (0, -1): on the curve, of order 2 — anybody could "sign" for it.
    const [, smallOrder] = await post({ ...(await body(mine)), publicKey: { x: '0', y: (SNARK_FIELD - 1n).toString() } })
    expect(smallOrder!.message).to.match(/^publicKey: \(0, \d+\) is not a device key: it has small order/)
    expect(await post(await body(mine, await proofBy(stranger)))).to.deep.equal([
      400,
      {
        name: 'ValidationError',
        message: "proof: not this device key's signature of the node's registration message (GET /devices/registration)",
        category: 'bad-input',
        retryable: false,
      },
    ])
    expect(await post(await body(mine, await proofBy(mine, onChain.nonce + 1n)))).to.deep.equal([
      400,
      {
        name: 'ValidationError',
        message: `proof.nonce: signed for registration nonce ${onChain.nonce + 1n}, but this node's account is at ${onChain.nonce} (sign GET /devices/registration again)`,
        category: 'bad-input',
        retryable: false,
      },
    ])
    expect((await post({ publicKey: { x: '0x1', y: '2' } }))[0]).to.equal(400)
    expect((await post('{"publicKey":')).map((x) => (typeof x === 'number' ? x : undefined))[0]).to.equal(400)
    // A key somebody else registered first.
    const theirs = await createDeviceKey()
    const provider = new JsonRpcProvider(node.rpcUrl, undefined, { staticNetwork: true })
    try {
      const other = new NonceManager(HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, "m/44'/60'/0'/0/5").connect(provider))
      await createChainClient(other, node.deployment).registerDevice(theirs.Ax, theirs.Ay, '', (m) =>
        signEddsaPoseidon(theirs.privateKey, m),
      )
    } finally {
      provider.destroy()
    }
    const [status, error] = await post(await body(theirs))
    expect([status, error!.name]).to.deep.equal([409, 'DeviceOwnedError'])
    expect((await fetch(new URL('/devices/12345', node.url))).status).to.equal(404)
    expect((await fetch(new URL('/devices/abc', node.url))).status).to.equal(400)
  })

  it('reads durations', () => {
    expect([parseDuration('7d'), parseDuration('24h'), parseDuration('30m'), parseDuration('3600')]).to.deep.equal([
      604_800n,
      86_400n,
      1_800n,
      3_600n,
    ])
    expect(() => parseDuration('a week'))
      .to.throw(Error, 'is not a duration')
      .with.property('name', 'ConfigError')
  })
})
