import { openAsBlob, readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'
import { HDNodeWallet } from 'ethers'
import { startNode, type AssayNode } from '../../cli/index.js'
import { createDeviceKey, signEddsaPoseidon } from '../../circuits/index.js'
import { DEV_MNEMONIC, formatSiweMessage, loadConfig } from '../../core/index.js'
import { findFreePort } from '../../core/node.js'
import { deviceRegistrationMessage } from '../../contracts/index.js'
import {
  AssayApiError,
  createAssayClient,
  followPublication,
  registerDeviceKey,
  type AssayClient,
  type RegisterDeviceRequest,
  type UploadProgress,
} from '../../sdk/index.js'
import { datasetPath } from '../helpers/datasets.js'
import { caught } from '../helpers/errors.js'

/** The node's refusal as [status, error name, category]. */
async function refusal(fn: () => Promise<unknown>): Promise<[number, string, string]> {
  const e = await caught(fn)
  expect(e, e.message).to.be.instanceOf(AssayApiError)
  const api = e as AssayApiError
  return [api.status, api.errorName, api.category]
}

describe('createAssayClient: every route the CLI and the web app use, against a running node', function () {
  this.timeout(600_000)
  let dir: string
  let node: AssayNode
  let operator: AssayClient
  let anyone: AssayClient
  // The operator's wallet for Sign-In with Ethereum (a development account the node does not sign with).
  const operatorWallet = HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, "m/44'/60'/0'/0/7")

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'assay-sdk-client-'))
    node = await startNode(
      { ...loadConfig({ ASSAY_DATA_DIR: join(dir, 'data'), ASSAY_OPERATOR_ADDRESS: operatorWallet.address }), port: 0 },
      () => undefined,
    )
    operator = createAssayClient({ node: node.url, operatorToken: node.operatorToken })
    anyone = createAssayClient({ node: node.url })
  })
  after(async () => {
    await node?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('reads the health report, with service details for the operator only, and the deployment', async () => {
    const full = await operator.health()
    expect(full.ok).to.equal(true)
    expect(Object.keys(full.services)).to.include.members(['chain', 'redis'])
    expect(full.circuits?.total).to.be.greaterThan(0)
    const open = await anyone.health()
    expect(Object.values(open.services).every((s) => Object.keys(s.detail).length === 0)).to.equal(true)
    expect(await anyone.deployment()).to.deep.include({ chainId: node.deployment.chainId, contracts: node.deployment.contracts })
  })

  it('uploads a file to publish with progress rising to the whole body, and follows and retries the publication', async () => {
    const file = await openAsBlob(datasetPath('occupancy-room-2015.csv'))
    const progress: UploadProgress[] = []
    // A mapping naming a column the file lacks: the publication fails at once, at ingest.
    const mapping = { version: 1, format: 'csv', timestamp: { columns: ['Nope'] }, metrics: [{ column: 'Temperature' }] }
    const accepted = await operator.publish(
      file,
      {
        title: 'Office, whole file',
        tags: ['indoor', 'office'],
        mapping: JSON.stringify(mapping),
        price: 10n ** 16n,
        accessPeriod: 86_400,
      },
      { fileName: 'office.csv', onProgress: (p) => progress.push(p) },
    )
    expect(accepted.jobId).to.match(/^pub-/)
    expect(accepted.events).to.equal(`/jobs/${accepted.jobId}/events`)
    // Several steps (the file is 540 kB), never falling, ending at the whole multipart body.
    const total = progress[0]!.total
    expect(total).to.be.greaterThan(file.size)
    expect(progress.length).to.be.greaterThan(3)
    expect(progress.every((p, i) => p.total === total && (i === 0 || p.sent >= progress[i - 1]!.sent))).to.equal(true)
    expect(progress.at(-1)!.sent).to.equal(total)

    const events: string[] = []
    const failed = await followPublication(operator, accepted.jobId, { onEvent: (s) => events.push(Object.values(s.stages).join()) })
    expect(events.length).to.be.greaterThan(0)
    expect(failed.failedReason).to.match(/^ingest: MissingColumnError: office\.csv has no column "Nope"/)
    expect((await operator.publication(accepted.jobId)).failedReason).to.equal(failed.failedReason)

    const retried = await operator.retryPublication(accepted.jobId)
    expect(retried.jobId).to.be.a('string')
    const again = await followPublication(operator, retried.jobId)
    expect(again.failedReason).to.match(/MissingColumnError/)
  })

  it('refuses publishing with the node’s named errors: no operator token, no title, unknown job', async () => {
    const file = new Blob(['time,t\n2026-01-01T00:00:00Z,1\n'])
    expect(await refusal(() => anyone.publish(file, { title: 'x' }))).to.deep.equal([401, 'OperatorAuthError', 'unauthorised'])
    expect(await refusal(() => operator.publish(file, { title: '' }))).to.deep.equal([400, 'ValidationError', 'bad-input'])
    expect(await refusal(() => operator.retryPublication('pub-none'))).to.deep.equal([404, 'NotFoundError', 'not-found'])
    expect(await refusal(() => operator.publication('pub-none'))).to.deep.equal([404, 'NotFoundError', 'not-found'])
  })

  it('previews a mapping: inferred, edited, refused with a named error', async () => {
    const lines = readFileSync(datasetPath('occupancy-room-2015.csv'), 'utf8').split('\n')
    const head = new Blob([`${lines.slice(0, 61).join('\n')}\n`])
    const inferred = await operator.previewMapping(head, { fileName: 'office.csv' })
    expect(inferred.kind).to.equal('table')
    expect(inferred.mapping!.metrics.map((m) => m.column)).to.deep.equal(['Temperature', 'Humidity', 'Light', 'CO2', 'HumidityRatio'])
    expect(inferred.rows.length).to.equal(12)
    const edited = await operator.previewMapping(head, {
      mapping: { ...inferred.mapping!, metrics: [{ column: 'CO2', name: 'co2', unit: 'ppm' }] },
    })
    expect(edited.rows[0]!.values).to.deep.equal({ co2: '721.25' })
    expect(await refusal(() => operator.previewMapping(new Blob(['a,b\n1,2\n']), { fileName: 'x.csv' }))).to.deep.equal([
      400,
      'SourceFormatError',
      'bad-input',
    ])
  })

  it('serves verification keys checked against the committed manifest', async () => {
    const { vkey, vkeyHash } = await anyone.verificationKey('sensor-stats-b16-v2')
    expect(vkey.protocol).to.equal('groth16')
    expect(vkeyHash).to.match(/^[0-9a-f]{64}$/)
    expect((await refusal(() => anyone.verificationKey('nope'))).slice(0, 2)).to.deep.equal([404, 'NotFoundError'])
  })

  it('registers a device, shows it, and creates a stream it feeds that takes readings and refuses bad ones', async () => {
    const terms = await operator.deviceRegistration()
    expect(terms).to.deep.include({ chainId: String(node.deployment.chainId), registry: node.deployment.contracts.deviceRegistry })
    const key = await createDeviceKey()
    const s = await signEddsaPoseidon(
      key.privateKey,
      deviceRegistrationMessage({
        owner: terms.owner,
        chainId: BigInt(terms.chainId),
        registry: terms.registry,
        nonce: BigInt(terms.nonce),
      }),
    )
    const request: RegisterDeviceRequest = {
      publicKey: { x: key.Ax.toString(), y: key.Ay.toString() },
      proof: { nonce: terms.nonce, R8x: s.R8x.toString(), R8y: s.R8y.toString(), S: s.S.toString() },
      label: 'roof',
    }
    const registered = await operator.registerDevice(request)
    expect([registered.deviceId, registered.owner, registered.alreadyRegistered]).to.deep.equal([
      key.deviceId.toString(),
      terms.owner,
      false,
    ])
    expect(registered.txHash).to.match(/^0x[0-9a-f]{64}$/)
    expect((await operator.registerDevice(request)).alreadyRegistered).to.equal(true)
    const device = await anyone.device(key.deviceId)
    expect([device.owner, device.revokedAt, device.publishableByThisNode]).to.deep.equal([terms.owner, null, true])
    expect((await refusal(() => anyone.device(12345n)))[0]).to.equal(404)
    expect(await refusal(() => anyone.deviceRegistration())).to.deep.equal([401, 'OperatorAuthError', 'unauthorised'])

    const created = await operator.createStream({ title: 'Roof', windowSeconds: 3600, price: '1000', deviceIds: [registered.deviceId] })
    expect(created.txHash).to.match(/^0x[0-9a-f]{64}$/)
    expect((await anyone.streams()).map((x) => x.streamId)).to.include(created.streamId)
    const view = await anyone.stream(created.streamId)
    expect([view.title, view.deviceIds, view.windows, view.lastReading]).to.deep.equal(['Roof', [registered.deviceId], [], null])
    expect((await refusal(() => anyone.stream('999999')))[0]).to.equal(404)
    expect(await refusal(() => anyone.createStream({ title: 'x', windowSeconds: 60, price: '1', deviceIds: ['1'] }))).to.deep.equal([
      401,
      'OperatorAuthError',
      'unauthorised',
    ])
    // A refused batch is an answer (422, one result per batch), not an error.
    const sent = await anyone.sendReadings(created.streamId, [{ not: 'a batch' }])
    expect([sent.accepted, sent.rejected, sent.results.length, sent.results[0]!.ok]).to.deep.equal([0, 1, 1, false])
  })

  it('registers a device key with registerDeviceKey, signing again when another registration took the nonce meanwhile', async () => {
    const [key, other] = [await createDeviceKey(), await createDeviceKey()]
    let posts = 0
    const racing: Pick<AssayClient, 'deviceRegistration' | 'registerDevice'> = {
      deviceRegistration: () => operator.deviceRegistration(),
      registerDevice: async (request) => {
        // The node's account registers another device between the first signature and its post.
        if (++posts === 1) await node.chain.registerDevice(other.Ax, other.Ay, 'meanwhile', (m) => signEddsaPoseidon(other.privateKey, m))
        return operator.registerDevice(request)
      },
    }
    const nonce = BigInt((await operator.deviceRegistration()).nonce)
    const registered = await registerDeviceKey(racing, key, { label: 'racer' })
    expect([posts, registered.deviceId, registered.alreadyRegistered]).to.deep.equal([2, key.deviceId.toString(), false])
    expect(BigInt((await operator.deviceRegistration()).nonce)).to.equal(nonce + 2n)
    expect((await registerDeviceKey(operator, key)).alreadyRegistered).to.equal(true)
  })

  it('opens and ends operator sessions with the token or a Sign-In with Ethereum message', async () => {
    expect(await operator.operatorSession()).to.deep.equal({ operator: true })
    expect(await anyone.operatorSession()).to.deep.equal({ operator: false })
    expect(await anyone.signIn({ token: node.operatorToken })).to.deep.equal({ operator: true })
    expect(await refusal(() => anyone.signIn({ token: 'not-the-token' }))).to.deep.equal([401, 'OperatorAuthError', 'unauthorised'])
    expect(await anyone.signOut()).to.deep.equal({ operator: false })

    const challenge = await anyone.siweChallenge()
    const host = new URL(node.url).host
    expect([challenge.domain, challenge.chainId, challenge.version]).to.deep.equal([host, node.deployment.chainId, '1'])
    const message = formatSiweMessage({
      domain: host,
      address: operatorWallet.address,
      statement: 'Sign in as the operator of this Assay node.',
      uri: `${node.url}/`,
      version: '1',
      chainId: challenge.chainId,
      nonce: challenge.nonce,
      issuedAt: challenge.issuedAt,
    })
    expect(await anyone.signIn({ message, signature: await operatorWallet.signMessage(message) })).to.deep.equal({ operator: true })
    // The nonce is spent.
    const reused = await refusal(async () => anyone.signIn({ message, signature: await operatorWallet.signMessage(message) }))
    expect([reused[0], reused[2]]).to.deep.equal([401, 'unauthorised'])
  })

  it('gives up on a request when the client’s signal aborts, and names an unreachable node', async () => {
    const aborted = await caught(() => createAssayClient({ node: node.url, signal: AbortSignal.abort() }).health())
    expect(aborted.name).to.equal('AbortError')
    const gone = await caught(async () => createAssayClient({ node: `http://127.0.0.1:${await findFreePort()}` }).health())
    expect([gone.name, (gone as Error & { reason: string }).reason]).to.deep.equal(['NodeUnreachableError', 'connection refused'])
  })
})
