import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../core/index.js'
import { buyCommand } from './buy-command.js'
import { listCommand } from './catalog-commands.js'
import { deviceCreateCommand, deviceRegisterCommand } from './device-command.js'
import { downloadCommand } from './download-command.js'
import { publishCommand } from './publish-command.js'
import { simulateCommand } from './simulate-command.js'
import { startNode } from './start-node.js'
import { verifyCommand } from './verify-command.js'

/**
 * `assay demo`: the whole marketplace on embedded defaults, step by step — a node, a simulated
 * device with its own key, a signed feed published and listed by the seller (the node's account),
 * bought by a second account, downloaded, decrypted and verified, then audited.
 */
export async function demoCommand(o: { dir?: string; log?: (s: string) => void } = {}): Promise<{ datasetId: string; ok: boolean }> {
  const say = o.log ?? ((s: string) => console.log(s))
  const dir = o.dir ?? (await mkdtemp(join(tmpdir(), 'assay-demo-')))
  const step = (n: number, text: string): void => say(`\n${n}. ${text}`)
  const print = { out: (s: string) => say(`   ${s}`), err: () => undefined }
  step(1, `starting a node on embedded defaults (anvil, Redis, Helia) in ${dir}`)
  const node = await startNode({ ...loadConfig({ ASSAY_DATA_DIR: join(dir, 'node') }), port: 0 }, () => undefined)
  try {
    say(`   ${node.url}`)
    step(2, 'the seller creates a device key and registers it on-chain')
    const key = join(dir, 'rooftop.key.json')
    await deviceCreateCommand({ out: key, label: 'rooftop sensor' }, print)
    await deviceRegisterCommand(key, { node: node.url, operatorToken: node.operatorToken }, print)
    step(3, 'the device records a day of temperature and humidity, signing every batch')
    const feed = join(dir, 'rooftop.ndjson')
    await simulateCommand({ out: feed, devices: [key], metrics: 'temperature,humidity', duration: '1d', interval: '300', seed: 7 }, print)
    step(4, 'publish: prove every batch, encrypt into IPFS, score, anchor and list at 0.01 ETH for 7 days')
    const published = await publishCommand(
      feed,
      {
        node: node.url,
        operatorToken: node.operatorToken,
        title: 'Rooftop climate, one day',
        tags: 'demo,outdoor',
        price: '0.01',
        period: '7d',
      },
      {
        out: (s) => say(`   ${s}`),
        err: (s) => say(`   ${s}`),
      },
    )
    const id = published!.datasetId
    step(5, 'a buyer searches the catalog (waiting for the indexer to check the proofs)')
    for (let i = 0; i < 150 && node.catalog.get(BigInt(id))?.verification.status !== 'verified'; i++)
      await new Promise((r) => setTimeout(r, 200))
    await listCommand({ node: node.url, query: 'rooftop' }, print)
    const buyer = loadConfig({ ASSAY_DATA_DIR: join(dir, 'buyer') })
    step(6, 'the buyer (anvil test account 1) buys access')
    await buyCommand(id, buyer, { node: node.url, devAccount: 1 }, print)
    step(7, 'the buyer gets the key (EIP-712 request), downloads, decrypts and re-verifies every commitment')
    await downloadCommand(id, buyer, { node: node.url, out: join(dir, 'download'), devAccount: 1 }, print)
    step(8, 'an auditor verifies everything from the chain and IPFS, with the decrypted copy')
    const report = await verifyCommand(id, buyer, { node: node.url, plaintext: join(dir, 'download') }, print)
    say(`\n${report.ok ? 'demo complete: every check passed' : 'demo FAILED a check'} (files in ${dir})`)
    return { datasetId: id, ok: report.ok }
  } finally {
    await node.stop()
  }
}
