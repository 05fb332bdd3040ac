import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'
import { buyerKeyFromSeed, computeKeyCommitment, type KeyTransferInput } from '../../../circuits/index.js'
import type {
  AnchorPreimage,
  EscrowOrder,
  EscrowOrderStatus,
  Groth16Proof,
  OpenedOrder,
  OpenedStreamOrder,
  StreamEscrowOrder,
} from '../../../contracts/index.js'
import {
  createEscrowWatcher,
  createFileCursor,
  priorityOf,
  settleOrder,
  settleWindow,
  type EscrowWatcherComponents,
  type OrderSettlementChain,
  type PublishedWindow,
  type WindowSettlementChain,
} from '../../../pipelines/index.js'
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

function chainWith(status: EscrowOrderStatus, keyCommitment: bigint, calls: string[]): OrderSettlementChain {
  const anchor: AnchorPreimage = { manifestCidHash: '0x' + '00'.repeat(32), keyCommitment, statsDigest: '0x' + '00'.repeat(32) }
  return {
    orderStatus: () => (calls.push('status'), Promise.resolve(status)),
    orderNonce: () => (calls.push('nonce'), Promise.resolve(99n)),
    anchorPreimageOf: () => (calls.push('anchor'), Promise.resolve(anchor)),
    settleOrder: () => (calls.push('settle'), Promise.resolve({ txHash: '0xabc', blockNumber: 5, expiresAt: 0n })),
  }
}

describe('settling an escrow order (the node’s rules)', () => {
  const components = (chain: OrderSettlementChain, proved: string[]) => ({
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
    // (The nonce is read first, as the delivery's input; reading it proves and sends nothing.)
    expect([error.name, calls]).to.deep.equal(['KeyCommitmentMismatchError', ['status', 'nonce', 'anchor']])
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
    const goodKey = (await buyerKeyFromSeed(new Uint8Array(32).fill(2))).publicKey
    const opened = (id: bigint, datasetId: bigint, block: number, buyerKey = goodKey): OpenedOrder => ({
      id,
      buyer: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
      datasetId,
      paymentToken: '0x0000000000000000000000000000000000000000',
      price: 1n,
      accessPeriod: 0n,
      deadline: 0n,
      buyerKey,
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

describe('settling a window of a stream order (the node’s rules)', () => {
  const MAX_UINT64 = (1n << 64n) - 1n
  /** Windows 2..5 of stream 4; the stream started long ago, so by its end alone window 4's deadline would be far past. */
  async function streamOrder(): Promise<StreamEscrowOrder> {
    return {
      id: 8n,
      buyer: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
      streamId: 4n,
      paymentToken: '0x0000000000000000000000000000000000000000',
      amount: 40n,
      firstWindow: 2n,
      windowCount: 4n,
      streamStart: 1_000n,
      windowLength: 3_600n,
      openedAt: BigInt(NOW - 60),
      buyerKey: (await buyerKeyFromSeed(new Uint8Array(32).fill(1))).publicKey,
    }
  }

  interface WindowCalls {
    /** Every chain call by name, in order. */
    names: string[]
    nonce?: [bigint, bigint]
    settled?: { order: StreamEscrowOrder; windowIndex: bigint; proof: Groth16Proof; encrypted: unknown; anchor: AnchorPreimage }
    anchorOf?: bigint
  }
  /** A chain where the window is `status`, its deadline `deadline`, its dataset 5 (unless told), anchored to `keyCommitment`. */
  function windowChain(
    calls: WindowCalls,
    options: { status?: EscrowOrderStatus; deadline?: number; datasetId?: bigint; keyCommitment: bigint },
  ): WindowSettlementChain {
    const anchor: AnchorPreimage = {
      manifestCidHash: '0x' + '22'.repeat(32),
      keyCommitment: options.keyCommitment,
      statsDigest: '0x' + '33'.repeat(32),
    }
    return {
      windowStatus: () => (calls.names.push('status'), Promise.resolve(options.status ?? 'open')),
      windowDeadline: () => (calls.names.push('deadline'), Promise.resolve(BigInt(options.deadline ?? NOW + 3_600))),
      windowDataset: () => (calls.names.push('dataset'), Promise.resolve(options.datasetId ?? 5n)),
      windowNonce: (orderId, windowIndex) => (calls.names.push('nonce'), (calls.nonce = [orderId, windowIndex]), Promise.resolve(77n)),
      anchorPreimageOf: (datasetId) => (calls.names.push('anchor'), (calls.anchorOf = datasetId), Promise.resolve(anchor)),
      settleWindow: (order, windowIndex, proof, encrypted, a) => (
        calls.names.push('settle'),
        (calls.settled = { order, windowIndex, proof, encrypted, anchor: a }),
        Promise.resolve({ txHash: '0xdef', blockNumber: 9, datasetId: options.datasetId ?? 5n })
      ),
    }
  }
  const proofOf = { pi_a: ['proof'] } as unknown as Groth16Proof
  const components = (chain: WindowSettlementChain, calls: WindowCalls, proved: KeyTransferInput[] = []) => ({
    chain,
    dataKeyOf: () => Promise.resolve(key),
    prove: (input: KeyTransferInput) => (calls.names.push('prove'), proved.push(input), Promise.resolve(proofOf)),
    now: () => NOW,
  })

  it('reports a window settled, refunded or not in the order as closed, without proving anything', async () => {
    for (const status of ['settled', 'refunded', 'none'] as const) {
      const calls: WindowCalls = { names: [] }
      const chain = windowChain(calls, { status, keyCommitment: await computeKeyCommitment(key) })
      const outcome = await settleWindow(components(chain, calls), await streamOrder(), 4n)
      expect([outcome, calls.names]).to.deep.equal([{ outcome: 'closed', status }, ['status']])
    }
  })

  it('does not settle a window whose share does not pay for its gas (worthSettling), before looking up its dataset or proving', async () => {
    const calls: WindowCalls = { names: [] }
    const asked: Array<[string, bigint]> = []
    const chain = windowChain(calls, { keyCommitment: await computeKeyCommitment(key) })
    const error = await caught(async () =>
      settleWindow(
        { ...components(chain, calls), worthSettling: (token, share) => (asked.push([token, share]), Promise.resolve(false)) },
        await streamOrder(),
        4n,
      ),
    )
    // Window 4 is the order's third (k = 2) of 4 sharing 40 wei: 10.
    expect(asked).to.deep.equal([['0x0000000000000000000000000000000000000000', 10n]])
    expect([error.name, (error as Error & { category: string }).category, calls.names]).to.deep.equal([
      'SettlementUnprofitableError',
      'unavailable',
      ['status', 'deadline'],
    ])
  })

  it('refuses a window whose deadline (as the escrow reports it) is within the margin, before looking up its dataset', async () => {
    const commitment = await computeKeyCommitment(key)
    const calls: WindowCalls = { names: [] }
    const error = await caught(async () =>
      settleWindow(components(windowChain(calls, { deadline: NOW + 299, keyCommitment: commitment }), calls), await streamOrder(), 4n),
    )
    expect([error.name, calls.names]).to.deep.equal(['SettlementTooLateError', ['status', 'deadline']])
    expect((error as Error & { orderId: bigint }).orderId).to.equal(8n)
    // A deadline already past is refused the same way.
    const past = await caught(async () =>
      settleWindow(
        components(windowChain({ names: [] }, { deadline: NOW - 1, keyCommitment: commitment }), { names: [] }),
        await streamOrder(),
        4n,
      ),
    )
    expect(past.name).to.equal('SettlementTooLateError')
    // With a smaller margin the same deadline leaves time enough.
    const outcome = await settleWindow(
      components(windowChain({ names: [] }, { deadline: NOW + 60, keyCommitment: commitment }), { names: [] }),
      await streamOrder(),
      4n,
      { deadlineMarginS: 30 },
    )
    expect(outcome.outcome).to.equal('settled')
  })

  it('refuses a window with no dataset attached yet as a ServiceError (tried again) before proving anything', async () => {
    const calls: WindowCalls = { names: [] }
    const chain = windowChain(calls, { datasetId: 0n, keyCommitment: await computeKeyCommitment(key) })
    const error = await caught(async () => settleWindow(components(chain, calls), await streamOrder(), 4n))
    expect([error.name, (error as Error & { category: string }).category]).to.deep.equal(['ServiceError', 'unavailable'])
    expect(error.message).to.contain('stream 4 window 4')
    expect(calls.names).to.deep.equal(['status', 'deadline', 'dataset'])
  })

  it("refuses a held key that does not open the window dataset's anchored commitment before proving or sending anything", async () => {
    const calls: WindowCalls = { names: [] }
    const error = await caught(async () =>
      settleWindow(components(windowChain(calls, { keyCommitment: 12345n }), calls), await streamOrder(), 4n),
    )
    expect(error.name).to.equal('KeyCommitmentMismatchError')
    expect((error as Error & { datasetId: bigint }).datasetId).to.equal(5n)
    expect(calls.anchorOf).to.equal(5n)
    expect([calls.names.includes('prove'), calls.names.includes('settle')]).to.deep.equal([false, false])
  })

  it("settles the window with its own nonce: proves the window dataset's key to the order's buyer key and sends settleWindow with the window index and the proof", async () => {
    const calls: WindowCalls = { names: [] }
    const proved: KeyTransferInput[] = []
    const order = await streamOrder()
    const commitment = await computeKeyCommitment(key)
    const outcome = await settleWindow(components(windowChain(calls, { keyCommitment: commitment }), calls, proved), order, 4n)
    // A window's access never expires.
    expect(outcome).to.deep.equal({ outcome: 'settled', txHash: '0xdef', blockNumber: 9, expiresAt: MAX_UINT64 })
    expect(calls.names).to.deep.equal(['status', 'deadline', 'dataset', 'nonce', 'anchor', 'prove', 'settle'])
    expect(calls.nonce).to.deep.equal([8n, 4n])
    expect(calls.anchorOf).to.equal(5n)
    expect(proved).to.have.length(1)
    const input = proved[0]!
    expect([input.orderNonce, input.buyerKey, input.keyCommitment]).to.deep.equal([77n, order.buyerKey, commitment])
    const settled = calls.settled!
    expect(settled.order).to.equal(order)
    expect(settled.windowIndex).to.equal(4n)
    expect(settled.proof).to.equal(proofOf)
    expect(settled.encrypted).to.deep.equal({ ephemeralKey: input.ephemeralKey, cipherHi: input.cipherHi, cipherLo: input.cipherLo })
    expect(settled.anchor.keyCommitment).to.equal(commitment)
  })

  it('takes a lost race (the window settled by someone else while proving) as closed, and a failure while still open as SettlementFailedError', async () => {
    const commitment = await computeKeyCommitment(key)
    let statuses: EscrowOrderStatus[] = ['open', 'settled']
    const calls: WindowCalls = { names: [] }
    const chain = windowChain(calls, { keyCommitment: commitment })
    chain.windowStatus = () => Promise.resolve(statuses.shift()!)
    chain.settleWindow = () => Promise.reject(new Error('reverted: WindowClosed(8, 4, 2)'))
    expect(await settleWindow(components(chain, calls), await streamOrder(), 4n)).to.deep.equal({ outcome: 'closed', status: 'settled' })
    statuses = ['open', 'refunded']
    expect(await settleWindow(components(chain, calls), await streamOrder(), 4n)).to.deep.equal({ outcome: 'closed', status: 'refunded' })
    statuses = ['open', 'open']
    const error = await caught(async () => settleWindow(components(chain, calls), await streamOrder(), 4n))
    expect([error.name, (error as Error & { category: string }).category]).to.deep.equal(['SettlementFailedError', 'unavailable'])
    expect(error.message).to.contain('WindowClosed')
  })
})

describe('the escrow watcher’s stream orders', () => {
  const ownStream = 1n
  const otherStream = 2n
  let goodKey: bigint
  before(async () => (goodKey = (await buyerKeyFromSeed(new Uint8Array(32).fill(3))).publicKey))
  function streamOrderAt(
    id: bigint,
    streamId: bigint,
    firstWindow: bigint,
    windowCount: bigint,
    block: number,
    buyerKey = goodKey,
  ): OpenedStreamOrder {
    return {
      id,
      buyer: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
      streamId,
      paymentToken: '0x0000000000000000000000000000000000000000',
      amount: 10n,
      firstWindow,
      windowCount,
      streamStart: 0n,
      windowLength: 3_600n,
      openedAt: 0n,
      buyerKey,
      txHash: '0x',
      blockNumber: block,
    }
  }
  const windowAt = (streamId: bigint, windowIndex: bigint, block: number) => ({
    streamId,
    windowIndex,
    datasetId: 100n + windowIndex,
    block,
  })

  /** A chain of stream orders and windows (each at a block), a head the test moves, and the windows queued as "order:window". */
  function streamWatcher(
    options: { orders: OpenedStreamOrder[]; windows: Array<PublishedWindow & { block: number }>; head: number },
    cursorFrom?: { cursor: number | undefined },
  ) {
    const queued: string[] = []
    /** The stream ids each read was filtered by. */
    const asked: bigint[][] = []
    const ranges: Array<[number, number]> = []
    let cursor: number | undefined = cursorFrom?.cursor
    const inRange = (block: number, from: number, to: number) => block >= from && block <= to
    const components: EscrowWatcherComponents = {
      ordersOpened: () => Promise.resolve([]),
      blockNumber: () => Promise.resolve(options.head),
      settles: () => Promise.resolve(true),
      enqueue: () => Promise.resolve(),
      cursor: { read: () => cursor, write: (block) => (cursor = block) },
      startBlock: 10,
      streams: {
        // This node created stream 1 at block 10; stream 2 is a stranger's.
        ownStreamsCreated: (from, to) => Promise.resolve(inRange(10, from, to) ? [ownStream] : []),
        streamOrdersOpened: (from, to, ids) => (
          ranges.push([from, to]),
          asked.push([...ids]),
          Promise.resolve(options.orders.filter((o) => inRange(o.blockNumber, from, to) && ids.includes(o.streamId)))
        ),
        windowsPublished: (from, to, ids) => (
          asked.push([...ids]),
          Promise.resolve(
            options.windows
              .filter((w) => inRange(w.block, from, to) && ids.includes(w.streamId))
              .map(({ streamId: s, windowIndex, datasetId }) => ({ streamId: s, windowIndex, datasetId })),
          )
        ),
        enqueueWindow: (order, windowIndex) => (queued.push(`${order.id}:${windowIndex}`), Promise.resolve()),
      },
    }
    return {
      components,
      watcher: createEscrowWatcher(components, { blockRange: 10 }),
      queued,
      asked,
      ranges,
      cursor: {
        get cursor() {
          return cursor
        },
      },
    }
  }

  it('after a restart, matches a new order with the windows published before it (read again from the first block, in ranges)', async () => {
    const chain = {
      orders: [] as OpenedStreamOrder[],
      windows: [windowAt(ownStream, 0n, 11), windowAt(ownStream, 1n, 24)],
      head: 30,
    }
    const first = streamWatcher(chain)
    expect(await first.watcher.sync()).to.equal(30)
    // A new watcher (the node restarted) resumes at block 31 from the cursor: its memory of the
    // windows comes from reading blocks 10–30 again, ten at a time.
    const second = streamWatcher(chain, first.cursor)
    chain.orders.push(streamOrderAt(1n, ownStream, 0n, 2n, 33)) // windows 0..1
    chain.head = 35
    expect(await second.watcher.sync()).to.equal(35)
    expect(second.queued).to.deep.equal(['1:0', '1:1'])
    expect(second.ranges).to.deep.equal([
      [10, 19],
      [20, 29],
      [30, 30],
      [31, 35],
    ])
  })

  it('queues exactly the already-published windows inside the range of a stream order opened after them', async () => {
    const chain = {
      orders: [] as OpenedStreamOrder[],
      windows: [
        windowAt(ownStream, 0n, 11),
        windowAt(ownStream, 1n, 12),
        windowAt(ownStream, 2n, 13),
        windowAt(ownStream, 5n, 14),
        windowAt(otherStream, 1n, 14), // another stream's window 1
      ],
      head: 15,
    }
    const { watcher, queued } = streamWatcher(chain)
    expect(await watcher.sync()).to.equal(15)
    expect(queued).to.deep.equal([]) // windows but no orders yet
    chain.orders.push(streamOrderAt(1n, ownStream, 1n, 3n, 20)) // windows 1..3: 1 and 2 are out, 3 is not yet
    chain.head = 25
    expect(await watcher.sync()).to.equal(25)
    expect(queued).to.deep.equal(['1:1', '1:2'])
  })

  it('queues a window published after the orders for each order of its stream that covers it, and for no other', async () => {
    const chain = {
      orders: [
        streamOrderAt(1n, ownStream, 1n, 3n, 20), // windows 1..3
        streamOrderAt(2n, ownStream, 3n, 4n, 21), // windows 3..6
        streamOrderAt(3n, ownStream, 0n, 2n, 22), // windows 0..1
        streamOrderAt(4n, otherStream, 0n, 10n, 23), // another stream's windows 0..9
      ],
      windows: [] as Array<PublishedWindow & { block: number }>,
      head: 25,
    }
    const { watcher, queued } = streamWatcher(chain)
    await watcher.sync()
    expect(queued).to.deep.equal([]) // orders but no windows yet
    chain.windows.push(windowAt(ownStream, 3n, 30))
    chain.head = 35
    await watcher.sync()
    expect(queued).to.deep.equal(['1:3', '2:3'])
    // Published later still: window 1 for orders 1 and 3, window 6 (order 2's last) for order 2.
    chain.windows.push(windowAt(ownStream, 1n, 40), windowAt(ownStream, 6n, 41))
    chain.head = 45
    await watcher.sync()
    expect(queued).to.deep.equal(['1:3', '2:3', '1:1', '3:1', '2:6'])
  })

  it('queues nothing for a stream this node does not settle, whichever side came first', async () => {
    const chain = {
      orders: [streamOrderAt(1n, otherStream, 0n, 4n, 20)],
      windows: [windowAt(otherStream, 0n, 12), windowAt(otherStream, 1n, 30)],
      head: 25,
    }
    const { watcher, queued, asked } = streamWatcher(chain)
    await watcher.sync()
    chain.head = 35
    await watcher.sync()
    expect(queued).to.deep.equal([])
    // Only the node's own stream is ever asked for.
    expect(asked.length).to.be.above(0)
    expect(asked.every((ids) => ids.length === 1 && ids[0] === ownStream)).to.equal(true)
  })

  it("queues no window outside an order's range: neither the one before its first nor the one past its last, published before or after it", async () => {
    const chain = {
      orders: [] as OpenedStreamOrder[],
      windows: [windowAt(ownStream, 1n, 11), windowAt(ownStream, 2n, 12)],
      head: 15,
    }
    const { watcher, queued } = streamWatcher(chain)
    await watcher.sync()
    chain.orders.push(streamOrderAt(1n, ownStream, 2n, 2n, 20)) // windows 2..3
    chain.head = 25
    await watcher.sync()
    chain.windows.push(windowAt(ownStream, 4n, 30), windowAt(ownStream, 3n, 31), windowAt(ownStream, 0n, 32))
    chain.head = 35
    await watcher.sync()
    expect(queued).to.deep.equal(['1:2', '1:3'])
  })
  it('queues no window of an order whose buyer key no key can be sent to (off the curve): only its refund ends it', async () => {
    const chain = {
      orders: [streamOrderAt(1n, ownStream, 0n, 2n, 20, 1n), streamOrderAt(2n, ownStream, 0n, 2n, 21)],
      windows: [windowAt(ownStream, 0n, 12)],
      head: 25,
    }
    const { watcher, queued } = streamWatcher(chain)
    await watcher.sync()
    chain.windows.push(windowAt(ownStream, 1n, 30))
    chain.head = 35
    await watcher.sync()
    expect(queued).to.deep.equal(['2:0', '2:1'])
  })

  it('reads a range again whole after its queuing failed (nothing remembered twice), with half the blocks per read until one succeeds', async () => {
    const chain = {
      orders: [streamOrderAt(1n, ownStream, 0n, 4n, 20)],
      windows: [windowAt(ownStream, 0n, 12), windowAt(ownStream, 1n, 21)],
      head: 29,
    }
    const w = streamWatcher(chain)
    let failures = 1
    const streams = w.components.streams!
    const enqueueWindow = streams.enqueueWindow.bind(streams)
    streams.enqueueWindow = (order, windowIndex) => {
      if (failures-- > 0) return Promise.reject(new Error('redis is away'))
      return enqueueWindow(order, windowIndex)
    }
    expect(await w.watcher.sync().catch((e: Error) => e.message)).to.equal('redis is away')
    expect(await w.watcher.sync()).to.equal(29)
    // Every pair once: the failed range's order was not remembered, so it paired again, once.
    expect(w.queued).to.deep.equal(['1:0', '1:1'])
    // 10-block reads; the failed one (20..29) halved to 5 blocks, then growing back.
    expect(w.ranges).to.deep.equal([
      [10, 19],
      [20, 29],
      [20, 24],
      [25, 29],
    ])
  })
  it('prioritises settlements by deadline: the one due first runs first (minutes left, within BullMQ’s range)', () => {
    const now = 1_800_000_000
    expect([
      priorityOf(BigInt(now + 59), now),
      priorityOf(BigInt(now + 3_600), now),
      priorityOf(BigInt(now - 10), now),
      priorityOf(BigInt(now) + 10n ** 12n, now),
    ]).to.deep.equal([1, 61, 1, 2_097_152])
  })
})
