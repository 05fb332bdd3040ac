import { Interface, type JsonRpcProvider, type Log } from 'ethers'
import type { Manifest } from '../../../core/index.js'
import { dataMarketAbi, datasetRegistryAbi, deviceRegistryAbi, type Deployment } from '../../../contracts/index.js'
import { h } from '../dom.js'
import { deviceName, formatDate, formatPrice, shortHex } from '../format.js'

const registry = new Interface(datasetRegistryAbi)
const market = new Interface(dataMarketAbi)
const devices = new Interface(deviceRegistryAbi)

interface Step {
  block: number
  order: number
  title: string
  body: Array<Node | string>
  tx?: string
}

/**
 * A download of an anchored object from the node's trustless gateway, which answers as an
 * attachment (`<cid>.bin` or `.car`): named here for what it is (the one raw block linked, the
 * manifest, is JSON).
 */
const cidLink = (node: string, cid: string, format: 'raw' | 'car', label: string): HTMLElement =>
  h(
    'a',
    {
      href: new URL(`/ipfs/${cid}?format=${format}`, node).toString(),
      title: cid,
      rel: 'noopener',
      download: `${cid}.${format === 'car' ? 'car' : 'json'}`,
    },
    `${label} ${shortHex(cid, 6)}`,
  )

/**
 * The dataset's history read from the chain itself (device registrations, the anchor, quality
 * attestations, listing, purchases) with the IPFS objects it anchors, oldest first.
 */
export async function provenanceTimeline(
  manifest: Manifest,
  manifestCid: string,
  datasetId: bigint,
  provider: JsonRpcProvider,
  deployment: Pick<Deployment, 'contracts' | 'startBlock'>,
  node: string,
): Promise<HTMLElement> {
  const fromBlock = deployment.startBlock
  const logs = async (address: string, topics: Array<string | string[] | null>): Promise<Log[]> =>
    provider.getLogs({ address, topics, fromBlock })
  const id = datasetId
  const [registered, published, attested, listed, purchased] = await Promise.all([
    Promise.all(
      manifest.devices.map((d) =>
        logs(deployment.contracts.deviceRegistry, devices.encodeFilterTopics('DeviceRegistered', [BigInt(d.deviceId)])),
      ),
    ),
    logs(deployment.contracts.datasetRegistry, registry.encodeFilterTopics('DatasetPublished', [id])),
    logs(deployment.contracts.datasetRegistry, registry.encodeFilterTopics('QualityAttested', [id])),
    logs(deployment.contracts.dataMarket, market.encodeFilterTopics('Listed', [id])),
    logs(deployment.contracts.dataMarket, market.encodeFilterTopics('Purchased', [id])),
  ])
  const steps: Step[] = []
  registered.forEach((list, i) => {
    const d = manifest.devices[i]!
    for (const log of list)
      steps.push({
        block: log.blockNumber,
        order: 0,
        tx: log.transactionHash,
        title: `Device ${deviceName(d)} registered${d.gateway ? ' (owner’s gateway key)' : ''}`,
        body: [
          `Baby Jubjub key ${shortHex(d.publicKey.x, 4)}…; owner ${shortHex(String(devices.parseLog(log)!.args.getValue('owner')), 4)}`,
        ],
      })
  })
  const anchor = published[0]
  if (anchor !== undefined) {
    const batches = manifest.commitments.batches.length
    steps.push({
      block: anchor.blockNumber,
      order: 1,
      title: `${batches} batch${batches === 1 ? '' : 'es'} signed and proven`,
      body: [
        `${manifest.series.reduce((n, s) => n + s.count, 0).toLocaleString('en')} readings in ${manifest.series.length} series, each batch signed by ${manifest.devices.every((d) => d.gateway) ? 'the owner’s gateway key' : 'its device’s key'} and proven with ${manifest.proofs.circuitId}. `,
        cidLink(node, manifest.proofs.bundleCid, 'car', 'proof bundle'),
      ],
    })
    steps.push({
      block: anchor.blockNumber,
      order: 2,
      title: 'Stored in IPFS, encrypted',
      body: [
        cidLink(node, manifestCid, 'raw', 'manifest'),
        ' · ',
        cidLink(node, manifest.content.ciphertextCid, 'car', 'ciphertext'),
        ' · ',
        cidLink(node, manifest.quality.reportCid, 'car', 'quality report'),
        ...(manifest.previewCid !== undefined ? [' · ', cidLink(node, manifest.previewCid, 'car', 'preview')] : []),
        ...(manifest.thumbnailCid !== undefined ? [' · ', cidLink(node, manifest.thumbnailCid, 'car', 'thumbnail')] : []),
      ],
    })
    steps.push({
      block: anchor.blockNumber,
      order: 3,
      tx: anchor.transactionHash,
      title: 'Anchored on-chain',
      body: [
        `Dataset #${id}: manifest CID, Merkle root of the batch commitments, key commitment, stats digest and devices in one transaction.`,
      ],
    })
  }
  for (const log of attested) {
    const a = registry.parseLog(log)!.args
    steps.push({
      block: log.blockNumber,
      order: 4,
      tx: log.transactionHash,
      title: `Quality attested: ${Number(a.getValue('score')) / 100}`,
      body: [`by ${shortHex(String(a.getValue('assessor')), 4)}`],
    })
  }
  for (const log of listed) {
    const a = market.parseLog(log)!.args
    steps.push({
      block: log.blockNumber,
      order: 5,
      tx: log.transactionHash,
      title: `Listed at ${formatPrice(a.getValue('price') as bigint, String(a.getValue('paymentToken')))}`,
      body: [`seller ${shortHex(String(a.getValue('seller')), 4)}`],
    })
  }
  for (const log of purchased) {
    const a = market.parseLog(log)!.args
    steps.push({
      block: log.blockNumber,
      order: 6,
      tx: log.transactionHash,
      title: 'Access bought',
      body: [
        `by ${shortHex(String(a.getValue('buyer')), 4)} for ${formatPrice(a.getValue('price') as bigint, String(a.getValue('paymentToken')))}`,
      ],
    })
  }
  steps.sort((a, b) => a.block - b.block || a.order - b.order)
  const times = new Map<number, number>()
  await Promise.all(
    [...new Set(steps.map((s) => s.block))].map(async (b) => {
      const block = await provider.getBlock(b)
      if (block !== null) times.set(b, block.timestamp)
    }),
  )
  return h(
    'ol',
    { class: 'timeline', 'data-testid': 'timeline' },
    ...steps.map((s) =>
      h(
        'li',
        null,
        h(
          'div',
          { class: 'when' },
          times.has(s.block) ? formatDate(times.get(s.block)!) : '',
          h('br'),
          h('small', null, `block ${s.block}`),
        ),
        h(
          'div',
          { class: 'what' },
          h('strong', null, s.title),
          h('p', null, ...s.body),
          s.tx !== undefined ? h('p', { class: 'tx' }, 'tx ', h('code', { title: s.tx }, shortHex(s.tx, 8))) : null,
        ),
      ),
    ),
  )
}
