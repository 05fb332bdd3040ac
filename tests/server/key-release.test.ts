import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import type { Server } from 'node:http'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { expect } from 'chai'
import { HDNodeWallet, hexlify, JsonRpcProvider, NonceManager, randomBytes, SigningKey, type Signer } from 'ethers'
import { computeKeyCommitment } from '../../circuits/index.js'
import { DEV_MNEMONIC, parseImportMapping, type Manifest } from '../../core/index.js'
import {
  createChainClient,
  dataMarketAbi,
  signKeyRequest,
  typedContract,
  type ChainClient,
  type DataMarket,
  type Deployment,
  type KeyRequest,
} from '../../contracts/index.js'
import { publishDataset, type PublishResult } from '../../pipelines/index.js'
import { createApp, keyContext, openAuditLog, openNonceStore, type NonceStore } from '../../server/index.js'
import { unwrapKeyWeb } from '../../storage/index.js'
import { unwrapKey } from '../../storage/node.js'
import { datasetPath } from '../helpers/datasets.js'
import { startTestPublisher, type TestPublisher } from '../helpers/publisher.js'
import { testAuth } from '../helpers/operator.js'

describe('key release (EIP-712 requests, real anvil, adversarial)', function () {
  this.timeout(300_000)
  let publisher: TestPublisher
  let provider: JsonRpcProvider
  let deployment: Deployment
  let published: PublishResult
  let other: bigint
  let nonces: NonceStore
  let server: Server
  let url: string
  let auditPath: string
  const account = (i: number): HDNodeWallet => HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).connect(provider)
  const chainOf = (i: number): ChainClient => createChainClient(new NonceManager(account(i)), deployment)
  let buyer: HDNodeWallet // bought, access valid
  let lapsed: HDNodeWallet // bought with a 60 s period, then time passed
  let stranger: HDNodeWallet // never bought

  /** A request for `datasetId` signed by `signer` (fields overridable) and its body. */
  const request = async (
    signer: Signer,
    over: Partial<KeyRequest> & { domain?: Partial<Deployment> } = {},
  ): Promise<{ body: unknown; ephemeral: SigningKey; req: KeyRequest }> => {
    const ephemeral = new SigningKey(hexlify(randomBytes(32)))
    const { domain, ...fields } = over
    const req: KeyRequest = {
      buyer: await signer.getAddress(),
      datasetId: published.datasetId,
      ephemeralPublicKey: ephemeral.compressedPublicKey,
      nonce: hexlify(randomBytes(32)),
      expiry: BigInt(Math.floor(Date.now() / 1000) + 300),
      ...fields,
    }
    const signature = await signKeyRequest(signer, { ...deployment, ...domain }, req)
    return {
      body: { request: { ...req, datasetId: req.datasetId.toString(), expiry: req.expiry.toString() }, signature },
      ephemeral,
      req,
    }
  }
  const post = async (body: unknown, id: bigint | string = published.datasetId) => {
    const res = await fetch(new URL(`/datasets/${id}/key`, url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    })
    return {
      status: res.status,
      body: (await res.json()) as { wrappedKey?: string; context?: string; error?: { name: string; message: string } },
    }
  }

  before(async () => {
    publisher = await startTestPublisher('keys')
    provider = new JsonRpcProvider(publisher.rpcUrl, undefined, { staticNetwork: true, cacheTimeout: -1 })
    deployment = publisher.chain.deployment
    const lines = readFileSync(datasetPath('occupancy-room-2015.csv'), 'utf8').split('\n')
    await writeFile(join(publisher.dir, 'office.csv'), `${lines.slice(0, 11).join('\n')}\n`)
    published = await publishDataset(publisher.components, {
      file: join(publisher.dir, 'office.csv'),
      mapping: parseImportMapping(JSON.parse(await readFile('examples/occupancy-room-2015.mapping.json', 'utf8'))),
      title: 'Office',
      licence: 'CC-BY-4.0',
      circuitId: 'sensor-stats-b16-v2',
      listing: { price: 10n ** 15n, accessPeriod: 3_600n },
    })
    // A second dataset of the same seller that nobody buys.
    const m = published.manifest
    other = (
      await publisher.chain.publishDataset({
        manifestCid: published.manifestCid,
        root: published.root,
        keyCommitment: BigInt(m.encryption.keyCommitment),
        qualityScore: 5000,
        statsDigest: `0x${'00'.repeat(32)}`,
        deviceIds: m.devices.map((d) => BigInt(d.deviceId)),
        parent: 0n,
        circuitId: 'sensor-stats-b16-v2',
      })
    ).datasetId
    await publisher.chain.list({ datasetId: other, price: 10n ** 15n })
    buyer = account(2)
    lapsed = account(3)
    stranger = account(4)
    await chainOf(2).buy(published.datasetId)
    await publisher.chain.list({ datasetId: published.datasetId, price: 10n ** 15n, accessPeriod: 60n })
    await chainOf(3).buy(published.datasetId)
    await provider.send('evm_increaseTime', [120])
    await provider.send('evm_mine', [])

    nonces = openNonceStore(':memory:')
    auditPath = join(publisher.dir, 'audit.jsonl')
    const manifests = new Map<bigint, Manifest>([
      [published.datasetId, m],
      [other, m],
    ])
    server = createApp({
      auth: testAuth(),
      checkHealth: () => Promise.resolve({ ok: true, services: {} }),
      logError: () => undefined,
      keyRelease: {
        deployment,
        chain: publisher.chain,
        manifestOf: (id) => manifests.get(id),
        sellers: new Set([publisher.wallet.address.toLowerCase()]),
        unwrapSellerKey: (w) => unwrapKey(publisher.wallet.signingKey.privateKey, w),
        nonces,
        audit: openAuditLog(auditPath),
      },
    }).listen(0)
    await once(server, 'listening')
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`
  })
  after(async () => {
    server?.close()
    nonces?.close()
    provider?.destroy()
    await publisher?.stop()
  })

  it('releases the data key to a buyer with access, wrapped to the ephemeral key the wallet signed', async () => {
    const { body, ephemeral, req } = await request(buyer)
    const res = await post(body)
    expect(res.status, JSON.stringify(res.body)).to.equal(200)
    expect(res.body.context).to.equal(keyContext(deployment.chainId, published.datasetId, req.nonce))
    const key = await unwrapKeyWeb(ephemeral.privateKey, Buffer.from(res.body.wrappedKey!, 'base64'), { context: res.body.context! })
    expect((await computeKeyCommitment(key)).toString()).to.equal(published.manifest.encryption.keyCommitment)
    // Node's ECIES opens it too; another ephemeral key or context does not.
    expect(unwrapKey(ephemeral.privateKey, Buffer.from(res.body.wrappedKey!, 'base64'), { context: res.body.context! })).to.deep.equal(key)
    const err = await unwrapKeyWeb(hexlify(randomBytes(32)), Buffer.from(res.body.wrappedKey!, 'base64'), {
      context: res.body.context!,
    }).catch((e: Error) => e)
    expect((err as Error).name).to.equal('KeyUnwrapError')
    // The seller may always fetch their own key.
    expect((await post((await request(publisher.wallet)).body)).status).to.equal(200)
  })

  it('refuses ≥ 1,000 adversarial requests with a clear 4xx each, releasing no key', async () => {
    const valid = await request(buyer)
    expect((await post(valid.body)).status).to.equal(200)
    const wrongChain = { ...deployment, chainId: 1 }
    const past = BigInt(Math.floor(Date.now() / 1000) - 10)
    const cases: Array<[string, () => Promise<{ body: unknown; id?: bigint | string }>, number, string]> = [
      [
        'wrong signer',
        async () => ({ body: { ...((await request(stranger, { buyer: buyer.address })).body as object) } }),
        401,
        'KeyRequestSignatureError',
      ],
      ['replayed nonce', () => Promise.resolve({ body: valid.body }), 409, 'NonceReusedError'],
      ['expired request', async () => ({ body: (await request(buyer, { expiry: past })).body }), 400, 'KeyRequestExpiredError'],
      ['too long-lived', async () => ({ body: (await request(buyer, { expiry: past + 100_000n })).body }), 400, 'KeyRequestError'],
      [
        'malformed key',
        async () => ({ body: (await request(buyer, { ephemeralPublicKey: hexlify(new Uint8Array(33).fill(7)) })).body }),
        400,
        'KeyRequestError',
      ],
      ['no token', async () => ({ body: (await request(stranger)).body }), 403, 'NoAccessError'],
      ['expired access', async () => ({ body: (await request(lapsed)).body }), 403, 'NoAccessError'],
      [
        'another dataset’s token',
        async () => ({ body: (await request(buyer, { datasetId: other })).body, id: other }),
        403,
        'NoAccessError',
      ],
      ['wrong chain id', async () => ({ body: (await request(buyer, { domain: wrongChain })).body }), 401, 'KeyRequestSignatureError'],
      ['dataset in path differs', async () => ({ body: (await request(buyer)).body, id: other }), 400, 'KeyRequestError'],
      ['unknown dataset', async () => ({ body: (await request(buyer, { datasetId: 999n })).body, id: 999n }), 404, 'KeyNotHeldError'],
      [
        'garbage signature',
        async () => ({ body: { ...((await request(buyer)).body as object), signature: hexlify(randomBytes(65)) } }),
        401,
        'KeyRequestSignatureError',
      ],
    ]
    const outcomes = new Map<string, number>()
    let released = 0
    for (let i = 0; i < 1_020; i++) {
      const [name, make, status, error] = cases[i % cases.length]!
      const { body, id } = await make()
      const res = await post(body, id)
      if (res.body.wrappedKey !== undefined) released++
      expect([name, res.status, res.body.error?.name], res.body.error?.message).to.deep.equal([name, status, error])
      outcomes.set(name, (outcomes.get(name) ?? 0) + 1)
    }
    expect(released).to.equal(0)
    expect([...outcomes.values()].reduce((a, b) => a + b, 0)).to.be.at.least(1_000)
  })

  it('cannot be got round by moving the access token: it is not transferable', async () => {
    const market = typedContract<DataMarket>(deployment.contracts.dataMarket, dataMarketAbi, new NonceManager(buyer))
    const err = await market.safeTransferFrom(buyer.address, stranger.address, published.datasetId, 1n, '0x').catch((e: Error) => e)
    expect(String((err as Error).message)).to.match(/AccessNotTransferable|reverted/)
    expect((await post((await request(stranger)).body)).status).to.equal(403)
  })

  it('refuses broken JSON and oversized bodies, and writes every decision to the append-only audit log', async () => {
    expect((await post('{"request":')).status).to.equal(400)
    expect((await post(JSON.stringify({ pad: 'x'.repeat(20_000) }))).status).to.equal(413)
    const lines = readFileSync(auditPath, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { outcome: string; reason: string })
    expect(lines.filter((l) => l.outcome === 'released')).to.have.length(3)
    expect(lines.filter((l) => l.outcome === 'refused').length).to.be.at.least(1_023)
    expect(lines.at(-1)!.reason).to.equal('PayloadTooLargeError')
    expect([...new Set(lines.map((l) => l.reason))]).to.include.members([
      'NoAccessError',
      'NonceReusedError',
      'KeyRequestSignatureError',
      'SyntaxError',
    ])
  })
})
