import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'
import { buyerKeyFromSeed, computeKeyCommitment } from '../../../circuits/index.js'
import type { AnchorPreimage, EscrowOrder, EscrowOrderStatus, OpenedOrder } from '../../../contracts/index.js'
import { createEscrowWatcher, createFileCursor, settleOrder, type SettlementChain } from '../../../pipelines/index.js'
import { caught } from '../../helpers/errors.js'

// The settlement's own rules, before anything reaches a chain: the contract's side is in
// tests/contracts/key-escrow.test.ts, the whole story on a real node in tests/cli/buyer-journey.test.ts.
const NOW = 1_800_000_000
const key = new Uint8Array(randomBytes(32))

async function orderFor(deadline: number): Promise<EscrowOrder> {
  return {
    id: 7n,
    buyer: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
    datasetId: 3n,
    paymentToken: '0x0000000000000000000000000000000000000000',
    price: 10n,
    accessPeriod: 0n,
    deadline: BigInt(deadline),
    buyerKey: (await buyerKeyFromSeed(new Uint8Array(32).fill(1))).publicKey,
    anchor: '0x' + '11'.repeat(32),
  }
}

function chainWith(status: EscrowOrderStatus, keyCommitment: bigint, calls: string[]): SettlementChain {
  const anchor: AnchorPreimage = { manifestCidHash: '0x' + '00'.repeat(32), keyCommitment, statsDigest: '0x' + '00'.repeat(32) }
  return {
    orderStatus: () => (calls.push('status'), Promise.resolve(status)),
    orderNonce: () => (calls.push('nonce'), Promise.resolve(99n)),
    anchorPreimageOf: () => (calls.push('anchor'), Promise.resolve(anchor)),
    settleOrder: () => (calls.push('settle'), Promise.resolve({ txHash: '0xabc', blockNumber: 5, expiresAt: 0n })),
  }
}

describe('settling an escrow order (the node’s rules)', () => {
  const components = (chain: SettlementChain, proved: string[]) => ({
    chain,
    dataKeyOf: () => Promise.resolve(key),
    prove: () => (proved.push('prove'), Promise.resolve({} as never)),
    now: () => NOW,
  })

  it('reports an order settled or refunded meanwhile as closed, without proving anything', async () => {
    for (const status of ['settled', 'refunded', 'none'] as const) {
      const calls: string[] = []
      const outcome = await settleOrder(components(chainWith(status, 1n, calls), calls), await orderFor(NOW + 3_600))
      expect([outcome, calls]).to.deep.equal([{ outcome: 'closed', status }, ['status']])
    }
  })

  it('refuses an order whose deadline is within the margin: mined late, it would race the buyer’s refund', async () => {
    const calls: string[] = []
    const error = await caught(async () =>
      settleOrder(components(chainWith('open', await computeKeyCommitment(key), calls), calls), await orderFor(NOW + 299)),
    )
    expect([error.name, calls]).to.deep.equal(['SettlementTooLateError', ['status']])
    const outcome = await settleOrder(components(chainWith('open', await computeKeyCommitment(key), []), []), await orderFor(NOW + 60), {
      deadlineMarginS: 30,
    })
    expect(outcome.outcome).to.equal('settled')
  })

  it('refuses a held key that does not open the anchored commitment before proving or sending anything', async () => {
    const calls: string[] = []
    const error = await caught(async () => settleOrder(components(chainWith('open', 12345n, calls), calls), await orderFor(NOW + 3_600)))
    expect([error.name, calls]).to.deep.equal(['KeyCommitmentMismatchError', ['status', 'anchor']])
  })

  it('refuses a buyer key outside the subgroup before proving (only a refund ends such an order)', async () => {
    const calls: string[] = []
    const order = { ...(await orderFor(NOW + 3_600)), buyerKey: 1n } // y = 1: the identity
    const error = await caught(async () => settleOrder(components(chainWith('open', await computeKeyCommitment(key), calls), calls), order))
    expect([error.name, calls.includes('prove'), calls.includes('settle')]).to.deep.equal(['InvalidBuyerKeyError', false, false])
  })

  it('says DataKeyUnavailableError for a dataset whose key it does not hold', async () => {
    const calls: string[] = []
    const error = await caught(async () =>
      settleOrder(
        { ...components(chainWith('open', 1n, calls), calls), dataKeyOf: () => Promise.resolve(undefined) },
        await orderFor(NOW + 3_600),
      ),
    )
    expect(error.name).to.equal('DataKeyUnavailableError')
  })

  it('takes a lost race (the order settled by someone else while proving) as closed, not as a failure', async () => {
    const calls: string[] = []
    let statuses: EscrowOrderStatus[] = ['open', 'settled']
    const chain = chainWith('open', await computeKeyCommitment(key), calls)
    chain.orderStatus = () => Promise.resolve(statuses.shift()!)
    chain.settleOrder = () => Promise.reject(new Error('reverted: OrderNotOpen(7, 2)'))
    const outcome = await settleOrder(components(chain, calls), await orderFor(NOW + 3_600))
    expect(outcome).to.deep.equal({ outcome: 'closed', status: 'settled' })
    statuses = ['open', 'open']
    const error = await caught(async () => settleOrder(components(chain, []), await orderFor(NOW + 3_600)))
    // Still open: the failure stands, as one the queue tries again (a failed transaction may have shown the key).
    expect([error.name, (error as Error & { category: string }).category]).to.deep.equal(['SettlementFailedError', 'unavailable'])
    expect(error.message).to.contain('OrderNotOpen')
  })
})

describe('the escrow watcher', () => {
  let dir: string
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'assay-escrow-watcher-'))))
  after(() => rm(dir, { recursive: true, force: true }))

  it('queues the orders of datasets it settles, in block ranges, and resumes from its cursor after a restart', async () => {
    const opened = (id: bigint, datasetId: bigint, block: number): OpenedOrder => ({
      id,
      buyer: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
      datasetId,
      paymentToken: '0x0000000000000000000000000000000000000000',
      price: 1n,
      accessPeriod: 0n,
      deadline: 0n,
      buyerKey: 1n,
      anchor: '0x',
      nonce: 1n,
      txHash: '0x',
      blockNumber: block,
    })
    const chain = [opened(1n, 3n, 12), opened(2n, 4n, 15), opened(3n, 3n, 31)]
    let head = 20
    const ranges: Array<[number, number]> = []
    const queued: bigint[] = []
    const watcher = () =>
      createEscrowWatcher(
        {
          ordersOpened: (from, to) => (
            ranges.push([from, to]),
            Promise.resolve(chain.filter((o) => o.blockNumber >= from && o.blockNumber <= to))
          ),
          blockNumber: () => Promise.resolve(head),
          settles: (datasetId) => Promise.resolve(datasetId === 3n),
          enqueue: (order) => (queued.push(order.id), Promise.resolve()),
          cursor: createFileCursor(join(dir, 'cursor.json')),
          startBlock: 10,
        },
        { blockRange: 5 },
      )
    expect(await watcher().sync()).to.equal(20)
    expect([queued, ranges]).to.deep.equal([
      [1n],
      [
        [10, 14],
        [15, 19],
        [20, 20],
      ],
    ])
    head = 35
    ranges.length = 0
    expect(await watcher().sync()).to.equal(35) // a new watcher: the cursor came from its file
    expect([queued, ranges]).to.deep.equal([
      [1n, 3n],
      [
        [21, 25],
        [26, 30],
        [31, 35],
      ],
    ])
  })
})
