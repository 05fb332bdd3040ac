// bench:escrow — trustless key delivery on a real node (embedded anvil, Redis, Helia).
// (1) Proving one key transfer (circuit key-transfer-v1, snarkjs Groth16) in this process, warm,
// --runs times, after a first (cold) proof. (2) From order to key in the buyer's hands: a node
// publishes a small device-signed dataset; a buyer opens --orders KeyEscrow orders one after the
// other, and each is timed from sending `open` to holding the decrypted key (the node sees the
// order, encrypts the key to the buyer, proves, settles; the buyer reads OrderSettled and decrypts).
// Last line: JSON.
import '../core/polyfill.js'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { HDNodeWallet, JsonRpcProvider, NonceManager, randomBytes } from 'ethers'
import { startNode } from '../cli/index.js'
import {
  buyerKeyFromSeed,
  decryptKeyTransfer,
  encryptKeyForBuyer,
  generateProof,
  KEY_TRANSFER_CIRCUIT,
  computeKeyCommitment,
} from '../circuits/index.js'
import { loadCircuit, releaseProverThreads } from '../circuits/node.js'
import { DEV_MNEMONIC, loadConfig } from '../core/index.js'
import { createChainClient } from '../contracts/index.js'
import { publishMeterDataset } from './publish-meter-dataset.js'

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name)
  return i >= 0 ? Number(process.argv[i + 1]) : fallback
}
const RUNS = arg('--runs', 5)
const ORDERS = arg('--orders', 5)
const log = (msg: string): void => console.error(`[bench] ${msg}`)
const round = (x: number, d = 2): number => Math.round(x * 10 ** d) / 10 ** d
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

// (1) Proving alone.
const circuit = await loadCircuit(KEY_TRANSFER_CIRCUIT)
const proveOnce = async (): Promise<number> => {
  const buyer = await buyerKeyFromSeed(new Uint8Array(randomBytes(32)))
  const { input } = await encryptKeyForBuyer(new Uint8Array(randomBytes(32)), buyer.publicKey, 12345n)
  const t = performance.now()
  await generateProof(circuit, input)
  return (performance.now() - t) / 1000
}
const first = await proveOnce()
const proves: number[] = []
for (let i = 0; i < RUNS; i++) proves.push(await proveOnce())
log(`key-transfer proof: first ${first.toFixed(2)} s, then ${proves.map((s) => s.toFixed(2)).join(', ')} s`)

// (2) Order to key through a running node.
const dir = await mkdtemp(join(tmpdir(), 'assay-bench-escrow-'))
const node = await startNode({ ...loadConfig({ ASSAY_DATA_DIR: join(dir, 'node') }), port: 0 }, () => undefined)
const latencies: number[] = []
try {
  const { datasetId } = await publishMeterDataset(node, dir, 4)
  const id = BigInt(datasetId)
  // The node settles only datasets its catalog has read; wait for it as a buyer browsing would.
  while (node.catalog.get(id)?.verification.status !== 'verified') await new Promise((r) => setTimeout(r, 100))
  const provider = new JsonRpcProvider(node.rpcUrl, undefined, { staticNetwork: true, pollingInterval: 100, cacheTimeout: -1 })
  const wallet = new NonceManager(HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, "m/44'/60'/0'/0/5").connect(provider))
  const buyer = createChainClient(wallet, node.deployment)
  const buyerKey = await buyerKeyFromSeed(new Uint8Array(32).fill(9))
  const { keyCommitment } = await buyer.anchorPreimageOf(id)
  for (let i = 0; i < ORDERS; i++) {
    const t = performance.now()
    const order = await buyer.openOrder(id, buyerKey.publicKey)
    let settled = await buyer.settlementOf(order.id)
    while (settled === undefined) {
      await new Promise((r) => setTimeout(r, 100))
      settled = await buyer.settlementOf(order.id)
    }
    const key = await decryptKeyTransfer(buyerKey.secret, {
      ephemeralPublicKey: settled.ephemeralKey,
      ciphertext: [settled.cipherHi, settled.cipherLo],
      orderNonce: settled.nonce,
      keyCommitment,
    })
    latencies.push((performance.now() - t) / 1000)
    if ((await computeKeyCommitment(key)) !== keyCommitment) throw new Error('the delivered key does not open the commitment')
    log(`order ${order.id}: key in hand after ${latencies.at(-1)!.toFixed(2)} s`)
  }
} finally {
  await node.stop()
  await releaseProverThreads()
  await rm(dir, { recursive: true, force: true })
}
console.log(
  JSON.stringify({
    bench: 'escrow',
    prove_s: round(median(proves)),
    prove_first_s: round(first),
    prove_runs: RUNS,
    order_to_key_s: round(median(latencies)),
    order_to_key_max_s: round(Math.max(...latencies)),
    orders: ORDERS,
  }),
)
