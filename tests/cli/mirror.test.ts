import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'
import { HDNodeWallet, hexlify, JsonRpcProvider, NonceManager } from 'ethers'
import { CID } from 'multiformats/cid'
import {
  buyTrustlessCommand,
  deployCommand,
  downloadCommand,
  mirrorCommand,
  settleCommand,
  startNode,
  type AssayNode,
} from '../../cli/index.js'
import { DEV_MNEMONIC, loadConfig, type Manifest } from '../../core/index.js'
import { createChainClient, parseDeployment, type Deployment } from '../../contracts/index.js'
import { startAnvil, type AnvilService } from '../../contracts/node.js'
import { createAssayClient, decryptDataset, type DatasetPage } from '../../sdk/index.js'
import { downloadDataset } from '../../sdk/node.js'
import { unwrapKey } from '../../storage/node.js'
import { caught } from '../helpers/errors.js'
import { publishSimulatedFeed } from '../helpers/publish-simulated-feed.js'

const quiet = { out: () => undefined, err: () => undefined }
const account = (n: number): HDNodeWallet => HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${n}`)

/**
 * A dataset outlives the node that published it: on one anvil chain (standalone, so it outlives
 * both nodes), node A (the seller's) publishes; node B (another operator's) mirrors it from A's
 * gateway; A stops; a buyer pays into the key escrow, the seller settles by hand with
 * `assay settle --key-file` (no node), and the buyer downloads from B — A listed first and down —
 * and verifies everything against the chain.
 */
describe('mirroring: a dataset outlives the node that published it (assay mirror, providers, fallback)', function () {
  this.timeout(600_000)
  let dir: string
  let anvil: AnvilService
  let deploymentFile: string
  let deployment: Deployment
  let a: AssayNode
  let b: AssayNode
  let datasetId: string
  let manifest: Manifest
  let simulated: string
  const seller = account(5)
  const mirrorOperator = account(6)
  const sellerConfig = () => loadConfig({ RPC_URL: anvil.rpcUrl, PRIVATE_KEY: seller.privateKey, ASSAY_DATA_DIR: join(dir, 'a') })
  const buyerConfig = () => loadConfig({ RPC_URL: anvil.rpcUrl, ASSAY_DATA_DIR: join(dir, 'buyer'), ASSAY_DEPLOYMENT: deploymentFile })
  const page = async (node: AssayNode): Promise<DatasetPage> => createAssayClient({ node: node.url }).get(datasetId)
  /** The dataset page once the node's catalog lists it (its indexer follows the chain every second). */
  const listed = async (node: AssayNode): Promise<DatasetPage> => {
    for (let i = 0; ; i++, await new Promise((r) => setTimeout(r, 100))) {
      try {
        return await page(node)
      } catch (err) {
        if (i >= 300) throw err
      }
    }
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'assay-mirror-'))
    anvil = await startAnvil({ dataDir: join(dir, 'anvil') })
    await deployCommand(sellerConfig(), { network: 'rpc', feeBps: 250, testStablecoin: false, force: false }, () => undefined)
    deploymentFile = join(dir, 'a', 'chain', `deployment-${anvil.chainId}.json`)
    deployment = parseDeployment(JSON.parse(await readFile(deploymentFile, 'utf8')))
    a = await startNode({ ...sellerConfig(), port: 0 }, () => undefined)
    b = await startNode(
      {
        ...loadConfig({
          RPC_URL: anvil.rpcUrl,
          PRIVATE_KEY: mirrorOperator.privateKey,
          ASSAY_DATA_DIR: join(dir, 'b'),
          ASSAY_DEPLOYMENT: deploymentFile,
        }),
        port: 0,
      },
      () => undefined,
    )
    const published = await publishSimulatedFeed(a, dir, 'porch', {
      simulate: { metrics: 'temperature', readings: 16, seed: 5, circuit: 'sensor-stats-b16-v2' },
      publish: { title: 'Porch temperature', price: '0.01' },
    })
    simulated = published.file
    datasetId = published.datasetId
    manifest = await a.contentStore.getManifest(CID.parse(published.manifestCid))
  })
  after(async () => {
    await a?.stop()
    await b?.stop()
    await anvil?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('mirrors the dataset onto B from A: every part checked and pinned, B lists itself and A as providers; again fetches nothing', async () => {
    const manifestCid = CID.parse((await listed(a)).manifestCid)
    expect(await b.contentStore.isPinned(manifestCid)).to.equal(false)
    expect((await page(a)).providers).to.deep.equal([a.url])
    const refused = await caught(() => mirrorCommand(datasetId, { node: b.url, operatorToken: undefined, from: a.url }, quiet))
    expect([refused.name, (refused as Error & { status?: number }).status]).to.deep.equal(['AssayApiError', 401])

    // Bad input is named, an unknown dataset is not found, and nothing is fetched for either.
    const post = async (body: unknown): Promise<[number, string, string]> => {
      const res = await fetch(`${b.url}/mirrors`, {
        method: 'POST',
        headers: { authorization: `Bearer ${b.operatorToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
      const { error } = (await res.json()) as { error: { name: string; message: string } }
      return [res.status, error.name, error.message]
    }
    expect(await post({ from: 'ftp://a', datasetId })).to.deep.equal([
      400,
      'ValidationError',
      'from: must be an http(s) URL of an Assay node or a trustless gateway',
    ])
    expect(await post({ from: a.url, datasetId, all: true })).to.deep.equal([
      400,
      'ValidationError',
      'datasetId: give either datasetId or all: true',
    ])
    expect(await post({ from: a.url, datasetId: '999' })).to.deep.equal([
      404,
      'DatasetNotAnchoredError',
      "dataset 999 is not anchored on this node's chain",
    ])

    const lines: string[] = []
    const report = await mirrorCommand(
      datasetId,
      { node: b.url, operatorToken: b.operatorToken, from: a.url },
      { out: (s) => lines.push(s) },
    )
    const parts = 1 + 3 + (manifest.previewCid !== undefined ? 1 : 0) + (manifest.thumbnailCid !== undefined ? 1 : 0)
    expect(report.datasets.map((d) => [d.datasetId, d.outcome, d.fetched, d.held])).to.deep.equal([[datasetId, 'mirrored', parts, 0]])
    expect(lines[0]).to.match(new RegExp(`^#${datasetId}: mirrored from ${a.url}: ${parts} part\\(s\\) fetched \\(\\d+ blocks, \\d+ bytes`))
    for (const cid of [manifestCid.toString(), manifest.content.ciphertextCid, manifest.proofs.bundleCid, manifest.quality.reportCid])
      expect(await b.contentStore.isPinned(CID.parse(cid)), cid).to.equal(true)
    // B's catalog has the checked manifest at once, and checks the proofs itself from its own copy.
    let onB = await page(b)
    expect([onB.manifestStatus, onB.providers]).to.deep.equal(['ok', [b.url, a.url]])
    for (let i = 0; i < 300 && onB.verification.status === 'pending'; i++, await new Promise((r) => setTimeout(r, 100))) onB = await page(b)
    expect(onB.verification.status).to.equal('verified')

    const again = await mirrorCommand(datasetId, { node: b.url, operatorToken: b.operatorToken, from: a.url, json: true }, quiet)
    expect(again.datasets.map((d) => [d.outcome, d.fetched, d.bytes])).to.deep.equal([['held', 0, 0]])
    const all = await mirrorCommand(undefined, { node: b.url, operatorToken: b.operatorToken, from: a.url, all: true, json: true }, quiet)
    expect(all.datasets.map((d) => [d.datasetId, d.outcome])).to.deep.equal([[datasetId, 'held']])
  })

  it('with A stopped: the buyer buys through the escrow, the seller settles offline, the buyer downloads from B and verifies', async () => {
    // The seller's data key, opened from the manifest's seller copy with the seller's account key
    // (what its node does): the seller needs neither node to settle.
    const keyFile = join(dir, 'data.key')
    await writeFile(keyFile, hexlify(unwrapKey(seller.privateKey, Buffer.from(manifest.encryption.sellerWrappedKey, 'base64'))))
    await a.stop()
    const down = await caught(() => createAssayClient({ node: a.url }).health())
    expect(down.name).to.equal('NodeUnreachableError')

    const buying = buyTrustlessCommand(datasetId, buyerConfig(), { node: b.url, devAccount: 2, timeoutS: 300, json: true }, quiet)
    const provider = new JsonRpcProvider(anvil.rpcUrl, anvil.chainId, { staticNetwork: true, pollingInterval: 100, cacheTimeout: -1 })
    const reader = createChainClient(provider, deployment)
    try {
      let orders = await reader.ordersOpened(undefined, undefined, { buyer: account(2).address })
      for (let i = 0; i < 300 && orders.length === 0; i++, await new Promise((r) => setTimeout(r, 100)))
        orders = await reader.ordersOpened(undefined, undefined, { buyer: account(2).address })
      expect(orders.map((o) => o.datasetId)).to.deep.equal([BigInt(datasetId)])
      const settled = await settleCommand(String(orders[0]!.id), sellerConfig(), { node: b.url, keyFile, json: true }, quiet)
      expect(settled.outcome).to.equal('settled')
      expect((await buying).settleTx).to.equal(settled.txHash)

      // The SDK with A's address first (the buyer's client still points at A, which is down): every
      // read falls back to B, and everything is checked against the chain.
      const wallet = new NonceManager(account(2).connect(provider))
      const client = createAssayClient({ node: a.url, deployment })
      const key = await client.trustlessKey(wallet, BigInt(datasetId))
      const out = join(dir, 'from-b')
      const result = await downloadDataset({
        client,
        chain: reader,
        datasetId: BigInt(datasetId),
        manifestCid: (await page(b)).manifestCid,
        providers: [a.url, b.url],
        outDir: out,
        key: key!,
      })
      expect([result.readings, result.batches, result.manifest]).to.deep.equal([16, manifest.commitments.batches.length, manifest])
      expect(await readFile(join(out, 'source', 'porch.ndjson'))).to.deep.equal(await readFile(simulated))
      // The browser's download, the same way.
      const decrypted = await decryptDataset({ client, manifest, key: key!, providers: [a.url, b.url] })
      expect([decrypted.readings, decrypted.batches]).to.deep.equal([16, manifest.commitments.batches.length])
      // B holds ciphertext only: the key release is the seller's node's, and only the escrow path works without it.
      const release = (await caught(() =>
        createAssayClient({ node: b.url, deployment }).requestKey(wallet, BigInt(datasetId), manifest.encryption.keyCommitment),
      )) as Error & { errorName?: string }
      expect([release.name, release.errorName, release.message]).to.deep.equal([
        'AssayApiError',
        'KeyNotHeldError',
        `KeyNotHeldError: dataset ${datasetId}: its key is held by its seller ${manifest.owner}`,
      ])
      // Without B there is no provider left: each failure is named.
      const none = await caught(() => client.block(CID.parse(manifest.quality.reportCid), { providers: [a.url] }))
      expect(none.name).to.equal('NodeUnreachableError')

      // `assay download` through B: the key from the settlement on chain, the content from B's providers.
      const cli = await downloadCommand(datasetId, buyerConfig(), { node: b.url, out: join(dir, 'cli'), devAccount: 2, json: true }, quiet)
      expect([cli.keySource, cli.readings]).to.deep.equal(['escrow', 16])
      expect(await readFile(join(dir, 'cli', 'source', 'porch.ndjson'))).to.deep.equal(await readFile(simulated))
    } finally {
      provider.destroy()
    }
  })
})
