import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'
import { HDNodeWallet, JsonRpcProvider, NonceManager } from 'ethers'
import { CID } from 'multiformats/cid'
import {
  buyCommand,
  buyTrustlessCommand,
  downloadCommand,
  listCommand,
  showCommand,
  startNode,
  verifyCommand,
  type AssayNode,
} from '../../cli/index.js'
import { buyerKeyFromSeed, decryptKeyTransfer, DEVELOPMENT_SETUP_WARNING, parseProofBundle } from '../../circuits/index.js'
import { loadCircuitVerificationKey } from '../../circuits/node.js'
import { DEV_MNEMONIC, loadConfig } from '../../core/index.js'
import { createChainClient } from '../../contracts/index.js'
import { auditDataset, createAssayClient } from '../../sdk/index.js'
import { downloadDataset } from '../../sdk/node.js'
import { anchorManifest } from '../helpers/anchor-manifest.js'
import { caught } from '../helpers/errors.js'
import { operatorHeaders } from '../helpers/operator.js'
import { publishSimulatedFeed } from '../helpers/publish-simulated-feed.js'

const quiet = { out: () => undefined, err: () => undefined }

describe('buying and auditing through a running node (publish → list → buy → download → verify)', function () {
  this.timeout(600_000)
  let dir: string
  let node: AssayNode
  let datasetId: string
  let simulated: string
  const config = () => loadConfig({ ASSAY_DATA_DIR: join(dir, 'cli') })

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'assay-journey-'))
    node = await startNode({ ...loadConfig({ ASSAY_DATA_DIR: join(dir, 'node') }), port: 0 }, () => undefined)
    // The seller: a device, a simulated signed feed, registration, publication at 0.01 ETH for 7 days.
    const published = await publishSimulatedFeed(node, dir, 'balcony', {
      simulate: { metrics: 'temperature,humidity', readings: 40, seed: 11, circuit: 'sensor-stats-b16-v2' },
      publish: { title: 'Balcony climate, March', tags: 'outdoor', price: '0.01', period: '7d' },
    })
    simulated = published.file
    datasetId = published.datasetId
  })
  after(async () => {
    await node?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('finds the dataset with list and search once the catalog has indexed and checked it', async () => {
    let found: { total: number; items: Array<{ datasetId: string; verification: { status: string } }> } = { total: 0, items: [] }
    for (let i = 0; i < 100 && found.items[0]?.verification.status !== 'verified'; i++, await new Promise((r) => setTimeout(r, 200)))
      found = (await listCommand({ node: node.url, query: 'balcony', metric: 'temperature', json: true }, quiet)) as typeof found
    expect([found.total, found.items[0]!.datasetId, found.items[0]!.verification.status]).to.deep.equal([1, datasetId, 'verified'])
    expect(((await listCommand({ node: node.url, query: 'kitchen' }, quiet)) as { total: number }).total).to.equal(0)
    const lines: string[] = []
    await showCommand(datasetId, { node: node.url }, { out: (s) => lines.push(s) })
    expect(lines.join('\n')).to.contain('Balcony climate, March').and.contain('temperature (°C): n=40')
  })

  it('buys with a second account, downloads, decrypts and re-verifies; the source file comes back byte for byte', async () => {
    const stranger = await caught(() =>
      downloadCommand(datasetId, config(), { node: node.url, out: join(dir, 'nope'), devAccount: 3 }, quiet),
    )
    expect([stranger.name, (stranger as Error & { errorName?: string }).errorName]).to.deep.equal(['AssayApiError', 'NoAccessError'])
    const bought = await buyCommand(datasetId, config(), { node: node.url, devAccount: 2, json: true }, quiet)
    expect(bought.buyer).to.equal(HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, "m/44'/60'/0'/0/2").address)
    const out = join(dir, 'bought')
    const result = await downloadCommand(datasetId, config(), { node: node.url, out, devAccount: 2 }, quiet)
    expect([result.readings, result.batches]).to.deep.equal([80, 6])
    expect(await readFile(join(out, 'source', 'balcony.ndjson'))).to.deep.equal(await readFile(simulated))
  })

  it('buys trustlessly: the node settles the escrow order, the buyer opens the key from the chain alone, downloads and verifies', async () => {
    const provider = new JsonRpcProvider(node.rpcUrl, undefined, { staticNetwork: true, pollingInterval: 100, cacheTimeout: -1 })
    const wallet = new NonceManager(HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, "m/44'/60'/0'/0/4").connect(provider))
    const buyer = createChainClient(wallet, node.deployment)
    const id = BigInt(datasetId)
    const buyerKey = await buyerKeyFromSeed(new Uint8Array(32).fill(4))
    expect(await buyer.hasAccess(await wallet.getAddress(), id)).to.equal(false)
    const order = await buyer.openOrder(id, buyerKey.publicKey)
    const sellerOwed = await node.chain.owed(node.deployment.contracts.keyEscrow)
    expect(sellerOwed).to.equal(0n) // the escrow holds the payment, it is owed nothing
    // The node sees the order, proves the key transfer and settles; the buyer needs nothing from it.
    let settlement = await buyer.settlementOf(order.id)
    for (let i = 0; i < 600 && settlement === undefined; i++, await new Promise((r) => setTimeout(r, 100)))
      settlement = await buyer.settlementOf(order.id)
    expect(settlement, 'the node settled the order within 60 s').to.not.equal(undefined)
    const anchor = await buyer.anchorPreimageOf(id)
    const key = await decryptKeyTransfer(buyerKey.secret, {
      ephemeralPublicKey: settlement!.ephemeralKey,
      ciphertext: [settlement!.cipherHi, settlement!.cipherLo],
      orderNonce: settlement!.nonce,
      keyCommitment: anchor.keyCommitment,
    })
    expect([await buyer.hasAccess(await wallet.getAddress(), id), await buyer.orderStatus(order.id)]).to.deep.equal([true, 'settled'])
    // Another buyer key opens nothing: the key was encrypted to this one.
    const other = await buyerKeyFromSeed(new Uint8Array(32).fill(5))
    const wrong = await caught(() =>
      decryptKeyTransfer(other.secret, {
        ephemeralPublicKey: settlement!.ephemeralKey,
        ciphertext: [settlement!.cipherHi, settlement!.cipherLo],
        orderNonce: settlement!.nonce,
        keyCommitment: anchor.keyCommitment,
      }),
    )
    expect(wrong.name).to.equal('KeyTransferError')
    const out = join(dir, 'bought-trustlessly')
    const result = await downloadDataset({ client: createAssayClient({ node: node.url }), chain: buyer, datasetId: id, outDir: out, key })
    expect([result.readings, result.batches]).to.deep.equal([80, 6])
    expect(await readFile(join(out, 'source', 'balcony.ndjson'))).to.deep.equal(await readFile(simulated))
    // The node reports its settlement: its job completes once the receipt is in (the buyer may read
    // the event a moment before the worker records it).
    type SettlementView = { status: string; settlement?: { txHash: string }; job?: { state: string } }
    let status = (await (await fetch(`${node.url}/escrow/orders/${order.id}`)).json()) as SettlementView
    for (let i = 0; i < 100 && status.job?.state !== 'completed'; i++, await new Promise((r) => setTimeout(r, 100)))
      status = (await (await fetch(`${node.url}/escrow/orders/${order.id}`)).json()) as SettlementView
    expect([status.status, status.settlement?.txHash, status.job?.state]).to.deep.equal(['settled', settlement!.txHash, 'completed'])
    const retry = await fetch(`${node.url}/escrow/orders/${order.id}/retry`, { method: 'POST' })
    expect(retry.status).to.equal(401) // the operator's alone
    const notFailed = await fetch(`${node.url}/escrow/orders/${order.id}/retry`, {
      method: 'POST',
      headers: operatorHeaders(node.operatorToken),
    })
    expect([notFailed.status, ((await notFailed.json()) as { error: { name: string } }).error.name]).to.deep.equal([
      409,
      'SettlementNotFailedError',
    ])
  })

  it('assay buy --trustless waits for the node’s settlement, and assay download then takes the key from the chain', async () => {
    const bought = await buyTrustlessCommand(datasetId, config(), { node: node.url, devAccount: 6, json: true }, quiet)
    expect(bought.buyer).to.equal(HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, "m/44'/60'/0'/0/6").address)
    const out = join(dir, 'bought-with-escrow')
    const result = await downloadCommand(datasetId, config(), { node: node.url, out, devAccount: 6 }, quiet)
    expect([result.keySource, result.readings]).to.deep.equal(['escrow', 80])
    expect(await readFile(join(out, 'source', 'balcony.ndjson'))).to.deep.equal(await readFile(simulated))
  })

  it('verify passes every check, from the chain and content addressing alone, with and without the plaintext', async () => {
    const lines: string[] = []
    const report = await verifyCommand(
      datasetId,
      config(),
      { node: node.url, plaintext: join(dir, 'bought') },
      { out: (s) => lines.push(s) },
    )
    expect(
      report.checks.map((c) => [c.name, c.ok]),
      lines.join('\n'),
    ).to.deep.equal([
      ['anchor', true],
      ['manifest', true],
      ['content', true],
      ['proofs', true],
      ['stats', true],
      ['on-chain verifier', true],
      ['devices', true],
      ['quality', true],
      ['plaintext', true],
      ['quality (recomputed)', true],
    ])
    expect(report.ok, lines.join('\n')).to.equal(true)
    expect(lines.at(-1)).to.equal(`dataset #${datasetId}: every check passed`)
    // Valid, but never without saying a development setup lets anyone forge them.
    expect(lines.find((l) => l.startsWith('✓ proofs: '))).to.match(/ — development setup: anyone can forge these proofs$/)
    expect(report.setup).to.deep.include({ kind: 'development', warning: DEVELOPMENT_SETUP_WARNING })
    // The key is the one of the setup record anchored with the dataset's verifier, read from IPFS.
    expect(lines.find((l) => l.startsWith('✓ proofs: '))).to.match(/the key of setup record bafkrei\w+… anchored with its verifier/)
  })

  it('verify --setup fails the setup check of a development setup: no ceremony transcript can vouch for it', async () => {
    const lines: string[] = []
    const report = await verifyCommand(
      datasetId,
      config(),
      { node: node.url, setup: join(dir, 'no-ceremony') },
      { out: (s) => lines.push(s) },
    )
    const setup = report.checks.find((c) => c.name === 'setup')
    expect(setup?.ok, lines.join('\n')).to.equal(false)
    expect(setup?.detail).to.match(
      /^setup record bafkrei\w+: development setup: anyone can forge these proofs \(no ceremony transcript to check\)$/,
    )
    expect(report.ok).to.equal(false)
    expect(lines.at(-1)).to.equal(`dataset #${datasetId}: 1 check(s) FAILED`)
  })

  it('verifies from a second, fresh node that knows the chain’s RPC URL and dials the first node over IPFS', async () => {
    const peer = node.helia.helia.libp2p.getMultiaddrs().find((a) => a.toString().startsWith('/ip4/127.0.0.1/tcp/'))!
    const second = await startNode(
      {
        ...loadConfig({
          ASSAY_DATA_DIR: join(dir, 'second'),
          RPC_URL: node.rpcUrl,
          PRIVATE_KEY: HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, "m/44'/60'/0'/0/7").privateKey,
          IPFS_PEERS: peer.toString(),
          ASSAY_DEPLOYMENT: new URL('/deployment', node.url).toString(),
        }),
        port: 0,
      },
      () => undefined,
    )
    try {
      // Its own catalog: indexed from the chain, manifest and proofs fetched over bitswap and checked.
      for (let i = 0; i < 150 && second.catalog.get(BigInt(datasetId))?.verification.status !== 'verified'; i++)
        await new Promise((r) => setTimeout(r, 200))
      expect(second.catalog.get(BigInt(datasetId))?.verification.status).to.equal('verified')
      // An auditor with only an RPC URL (no key), using the second node as its gateway.
      const auditor = loadConfig({ ASSAY_DATA_DIR: join(dir, 'auditor'), RPC_URL: node.rpcUrl })
      const report = await verifyCommand(datasetId, auditor, { node: second.url }, quiet)
      expect(report.checks.filter((c) => !c.ok)).to.deep.equal([])
      expect(report.ok).to.equal(true)
    } finally {
      await second.stop()
    }
  })

  it('fails the audit of datasets whose publisher misstates a statistic or alters a public signal', async () => {
    const m = (await createAssayClient({ node: node.url }).get(datasetId)).manifest!
    const provider = new JsonRpcProvider(node.rpcUrl, undefined, { staticNetwork: true, cacheTimeout: -1 })
    try {
      const anchor = (manifest: typeof m): Promise<bigint> => anchorManifest(node, manifest)
      const audit = async (id: bigint) =>
        (
          await auditDataset({
            client: createAssayClient({ node: node.url }),
            chain: createChainClient(provider, node.deployment),
            provider,
            deployment: node.deployment,
            verificationKey: (c) => loadCircuitVerificationKey(c),
            datasetId: id,
          })
        ).checks
          .filter((c) => !c.ok)
          .map((c) => `${c.name}: ${c.detail}`)
      // A mean one degree warmer than the proofs say.
      const warmer = await anchor({ ...m, stats: m.stats.map((st, i) => (i === 0 ? { ...st, mean: st.mean + 1 } : st)) })
      expect(await audit(warmer)).to.deep.equal([
        'stats: CheckFailed: series 0 (temperature): the stated mean is not what the proofs output',
      ])
      // A bundle whose first proof claims a larger sum.
      const bundle = parseProofBundle(await node.contentStore.getJson(CID.parse(m.proofs.bundleCid)))
      const signals = bundle.batches[0]!.publicSignals
      signals[4] = (BigInt(signals[4]!) + 1n).toString()
      const altered = await anchor({ ...m, proofs: { ...m.proofs, bundleCid: (await node.contentStore.putJson(bundle)).toString() } })
      const failures = await audit(altered)
      expect(failures[0]).to.match(/^proofs: CheckFailed: series 0 batch 0: proof does not verify/)
      // The node's own catalog says so too.
      for (let i = 0; i < 100 && node.catalog.get(altered)?.verification.status !== 'failed'; i++)
        await new Promise((r) => setTimeout(r, 200))
      expect(node.catalog.get(warmer)?.verification.detail).to.equal('series 0: the stated mean is not what the proofs output')
      expect(node.catalog.get(altered)?.verification.status).to.equal('failed')
    } finally {
      provider.destroy()
    }
  })

  it('documents its API at /openapi.json and counts requests, key releases and the catalog at /metrics', async () => {
    const doc = (await (await fetch(new URL('/openapi.json', node.url))).json()) as { openapi: string; paths: Record<string, unknown> }
    expect(doc.openapi).to.equal('3.1.0')
    expect(Object.keys(doc.paths)).to.include.members(['/datasets', '/datasets/{id}', '/datasets/{id}/key', '/ipfs/{cid}', '/devices'])
    // Metrics are the operator's (a Prometheus scraper sends the token as a bearer).
    expect((await fetch(new URL('/metrics', node.url))).status).to.equal(401)
    const metrics = await (await fetch(new URL('/metrics', node.url), { headers: operatorHeaders(node.operatorToken) })).text()
    expect(metrics).to.match(/assay_key_releases_total\{outcome="released",reason="released"\} 1/)
    expect(metrics).to.match(/assay_key_releases_total\{outcome="refused",reason="NoAccessError"\} 1/)
    expect(metrics).to.match(/assay_catalog_datasets [1-9]/)
    expect(metrics).to.match(/assay_http_requests_total\{method="GET",route="\/datasets\/:id",status="200"\}/)
  })

  it('detects tampered plaintext, and a gateway that alters a manifest, a proof bundle or a ciphertext block', async () => {
    // The buyer's copy, one reading changed.
    const readings = join(dir, 'bought', 'readings.ndjson')
    const original = await readFile(readings, 'utf8')
    await writeFile(
      readings,
      original.replace(/"v":"(\d+)\./, (_m, d: string) => `"v":"${Number(d) + 1}.`),
    )
    const tampered = await verifyCommand(datasetId, config(), { node: node.url, plaintext: join(dir, 'bought') }, quiet)
    expect(tampered.checks.find((c) => c.name === 'plaintext')!.detail).to.match(/^VerificationError: batch-commitment: series 0 batch 0/)
    expect(tampered.ok).to.equal(false)
    await writeFile(readings, original)

    // A gateway that flips one byte of whatever a CID names.
    const page = await createAssayClient({ node: node.url }).get(datasetId)
    const m = page.manifest!
    const provider = new JsonRpcProvider((await createAssayClient({ node: node.url }).deployment()).rpcUrl, undefined, {
      staticNetwork: true,
    })
    try {
      const deployment = await createAssayClient({ node: node.url }).deployment()
      const chain = createChainClient(provider, deployment)
      const lying = (cid: string): typeof fetch =>
        (async (input: string | URL, init?: RequestInit) => {
          const res = await fetch(input, init)
          if (!input.toString().includes(cid)) return res
          const bytes = new Uint8Array(await res.arrayBuffer())
          bytes.set([bytes.at(-40)! ^ 1], bytes.length - 40)
          return new Response(bytes, { status: res.status, headers: res.headers })
        }) as typeof fetch
      const audit = (cid: string) =>
        auditDataset({
          client: createAssayClient({ node: node.url, fetch: lying(cid) }),
          chain,
          provider,
          deployment,
          verificationKey: (id) => loadCircuitVerificationKey(id),
          datasetId: BigInt(datasetId),
        })
      const failed = async (cid: string) => (await audit(cid)).checks.filter((c) => !c.ok).map((c) => [c.name, c.detail.split(':')[0]])
      expect(await failed(page.manifestCid)).to.deep.equal([['manifest', 'ContentCorruptedError']])
      expect(await failed(m.proofs.bundleCid)).to.deep.equal([
        ['proofs', 'ContentCorruptedError'],
        ['stats', 'CheckFailed'],
        ['on-chain verifier', 'CheckFailed'],
      ])
      expect(await failed(m.content.ciphertextCid)).to.deep.equal([['content', 'ContentCorruptedError']])
      const err = await caught(() =>
        downloadDataset({
          client: createAssayClient({ node: node.url, fetch: lying(m.content.ciphertextCid) }),
          chain,
          signer: HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, "m/44'/60'/0'/0/2").connect(provider),
          datasetId: BigInt(datasetId),
          outDir: join(dir, 'tampered'),
        }),
      )
      expect(err.name).to.equal('ContentCorruptedError')
    } finally {
      provider.destroy()
    }
  })
})
