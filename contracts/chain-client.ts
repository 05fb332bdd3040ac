import {
  isError,
  keccak256,
  toUtf8Bytes,
  ZeroAddress,
  type BaseContract,
  type ContractRunner,
  type ContractTransactionReceipt,
  type ContractTransactionResponse,
  type Log,
  type Provider,
} from 'ethers'
import { decodeContractError, revertedWithData } from './contract-error.js'
import { assertCommittedHonkVerifier, VerifierCodeMismatchError } from './honk-verifier-fingerprint.js'
import { VerifierUnavailableError } from './verifier-unavailable-error.js'
import { DeploymentError, PROOF_SYSTEMS, VERIFIER_SLOTS, type Deployment, type ProofSystemName } from './deployment.js'
import {
  deviceRegistrationMessage,
  type PossessionProof,
  type RegistrationSigner,
  type RegistrationTerms,
} from './device-registration-message.js'
import {
  ESCROW_ORDER_STATUSES,
  type AnchorPreimage,
  type EscrowOrder,
  type EscrowOrderStatus,
  type KeySettlement,
  type OpenedOrder,
  type OpenedStreamOrder,
  type StreamEscrowOrder,
} from './escrow-order.js'
import {
  dataMarketAbi,
  datasetRegistryAbi,
  deviceRegistryAbi,
  iHonkVerifierAbi,
  keyEscrowAbi,
  testStablecoinAbi,
} from './generated/abis.js'
import type {
  IHonkVerifier,
  DataMarket,
  DataMarketEvents,
  DatasetRegistry,
  DatasetRegistryEvents,
  DeviceRegistry,
  DeviceRegistryEvents,
  KeyEscrow,
  KeyEscrowEvents,
  TestStablecoin,
} from './generated/contract-types.js'
import { batchProofBytes, proofToCalldata, type BatchProofInput, type Groth16Proof } from './proof-to-calldata.js'
import { typedContract } from './typed-contract.js'
import { typedEvents, type TypedEvents } from './typed-events.js'

export interface PublishDatasetParams {
  manifestCid: string
  root: bigint
  keyCommitment: bigint
  /** Hundredths, 0..10000. */
  qualityScore: number
  /** 0x-prefixed 32 bytes. */
  statsDigest: string
  deviceIds: readonly bigint[]
  parent?: bigint
  /** The SensorStats circuit the batches were proven with (its verifier slot goes on-chain). */
  circuitId: string
}

export interface ListParams {
  datasetId: bigint
  price: bigint
  /** ERC-20 address; omitted or the zero address: the native coin. */
  paymentToken?: string
  /** Seconds; 0 = perpetual. */
  accessPeriod?: bigint
  splits?: readonly { account: string; bps: number }[]
}

export interface DatasetRecord {
  owner: string
  publishedAt: bigint
  qualityScore: number
  parent: bigint
  circuit: number
  root: bigint
  anchor: string
}

export interface ListingRecord {
  seller: string
  accessPeriod: bigint
  active: boolean
  paymentToken: string
  price: bigint
}

/** A stream's terms as the market stores them. */
/** The terms a buyer agreed to: `buy` goes through only while the listing still has exactly these. */
export type AgreedTerms = Pick<ListingRecord, 'price' | 'paymentToken' | 'accessPeriod'>

export interface StreamRecord {
  owner: string
  start: bigint
  windowLength: bigint
  period: bigint
  paymentToken: string
  pricePerPeriod: bigint
}

export interface CreateStreamParams {
  /** Start of window 0 (unix seconds); 0 for now. */
  start?: bigint
  windowLength: bigint
  period: bigint
  pricePerPeriod: bigint
  paymentToken?: string
  deviceIds: bigint[]
  splits?: Array<{ account: string; bps: number }>
}

export interface TxResult {
  txHash: string
  blockNumber: number
}

/** A device's registration as DeviceRegistry emitted it (`label` is its metadataURI). */
export interface DeviceRegistration {
  deviceId: bigint
  /** The account that registered it (it may have been transferred since: deviceOf says who owns it now). */
  registeredBy: string
  Ax: bigint
  Ay: bigint
  label: string
  txHash: string
  blockNumber: number
}

/** Typed calls on Assay's contracts; every revert becomes a ContractError with the decoded custom error. */
export interface ChainClient {
  readonly deployment: Deployment
  /** What `owner` (default: this client's signer) has a device key sign for its next registration. */
  registrationTerms(owner?: string): Promise<RegistrationTerms>
  /**
   * Registers a device key to the signer. `proof` is the key's signature of the signer's
   * registration message, or a signer that is asked for it (the client reads the current nonce).
   */
  registerDevice(
    ax: bigint,
    ay: bigint,
    metadataURI: string,
    proof: PossessionProof | RegistrationSigner,
  ): Promise<TxResult & { deviceId: bigint }>
  revokeDevice(deviceId: bigint): Promise<TxResult>
  transferDevice(deviceId: bigint, to: string): Promise<TxResult>
  setPublisher(deviceId: bigint, publisher: string, authorised: boolean): Promise<TxResult>
  deviceOf(deviceId: bigint): Promise<{ owner: string; registeredAt: bigint; revokedAt: bigint; epoch: number }>
  canPublish(deviceId: bigint, publisher: string): Promise<boolean>
  /**
   * The registrations of the devices `owner` registered or was transferred (DeviceRegistered and
   * DeviceTransferred events from the deployment's block), oldest first. Whether each is still
   * `owner`'s, or revoked, is deviceOf's answer.
   */
  deviceRegistrationsOf(owner: string): Promise<DeviceRegistration[]>
  publishDataset(params: PublishDatasetParams): Promise<TxResult & { datasetId: bigint }>
  /** A dataset `owner` already anchored with this manifest CID (so a retried publish never anchors twice). */
  findPublished(owner: string, manifestCid: string): Promise<(TxResult & { datasetId: bigint }) | undefined>
  attestQuality(datasetId: bigint, score: number, reportCid: string): Promise<TxResult>
  datasetOf(datasetId: bigint): Promise<DatasetRecord>
  /**
   * The sha256 (`0x`-hex, also its CID) of the setup record anchored with the verifier of circuit
   * slot `circuit`; zero for an empty slot.
   */
  setupRecordOf(circuit: number): Promise<string>
  /** The proof system of a verifier slot's verifier (`groth16` for an empty slot). */
  proofSystemOf(circuit: number): Promise<ProofSystemName>
  /**
   * Checks a batch on-chain (DatasetRegistry.verifyBatch, an eth_call): `proof` is a snarkjs
   * Groth16 proof (object or flat uint256[8]) for a Groth16 slot, or UltraHonk proof bytes
   * (Uint8Array or `0x`-hex) for an UltraHonk one. True, or a ContractError naming the reason.
   */
  verifyBatch(
    datasetId: bigint,
    proof: BatchProofInput,
    publicSignals: readonly (string | bigint)[],
    siblings: readonly bigint[],
    leafIndex: number,
  ): Promise<true>
  /**
   * Whether the UltraHonk verifier installed in registry slot `slot` (the slot the chain records for
   * the dataset) accepts a proof with these six public signals: an eth_call of its `verify`,
   * read-only. First (once per slot) its code and its libraries' are checked against the committed
   * verifier's (assertCommittedHonkVerifier: VerifierCodeMismatchError otherwise), so the verdict
   * is the committed key's. A revert with data (bb's verifier refuses that way) says false; a call
   * without a verdict is a VerifierUnavailableError; a slot without an UltraHonk verifier a DeploymentError.
   */
  honkVerify(slot: number, proof: Uint8Array | string, publicSignals: readonly (string | bigint)[]): Promise<boolean>
  list(params: ListParams): Promise<TxResult>
  setPrice(datasetId: bigint, price: bigint): Promise<TxResult>
  delist(datasetId: bigint): Promise<TxResult>
  listingOf(datasetId: bigint): Promise<ListingRecord>
  /** Buys at the current listed price (approving an ERC-20 first when needed). */
  /**
   * Buys access on the terms the buyer agreed to (what they were shown); the market reverts with
   * ListingChanged when the listing changed since. Without `agreed`, the listing as read now.
   */
  buy(datasetId: bigint, agreed?: AgreedTerms): Promise<TxResult & { expiresAt: bigint; price: bigint }>
  withdraw(token?: string): Promise<TxResult & { amount: bigint }>
  owed(account: string, token?: string): Promise<bigint>
  hasAccess(account: string, datasetId: bigint): Promise<boolean>
  createStream(params: CreateStreamParams): Promise<TxResult & { streamId: bigint; start: bigint }>
  streamOf(streamId: bigint): Promise<StreamRecord>
  /** Buys `periods` periods at the current price (approving an ERC-20 first when needed). */
  subscribe(streamId: bigint, periods: bigint): Promise<TxResult & { start: bigint; end: bigint; amount: bigint }>
  subscriptionOf(account: string, streamId: bigint): Promise<{ start: bigint; end: bigint }>
  attachWindow(streamId: bigint, windowIndex: bigint, datasetId: bigint): Promise<TxResult>
  /** The dataset of a window (0n when not published). */
  windowDataset(streamId: bigint, windowIndex: bigint): Promise<bigint>
  /** The stream and window of a dataset (streamId 0n when it is not a window). */
  windowOf(datasetId: bigint): Promise<{ streamId: bigint; windowIndex: bigint }>
  /**
   * KeyEscrow: opens an order for `datasetId` on the agreed terms (default: the listing as read
   * now), paying the price into escrow (an ERC-20 is approved for the escrow first), to be settled
   * with the data key encrypted to `buyerKey` (the y of the buyer's Baby Jubjub key).
   */
  openOrder(datasetId: bigint, buyerKey: bigint, agreed?: AgreedTerms): Promise<OpenedOrder>
  /** KeyEscrow.settle: the encrypted key, its Groth16 key-transfer proof and the anchor's parts. */
  settleOrder(
    order: EscrowOrder,
    proof: Groth16Proof,
    encrypted: { ephemeralKey: bigint; cipherHi: bigint; cipherLo: bigint },
    anchor: AnchorPreimage,
  ): Promise<TxResult & { expiresAt: bigint }>
  /** KeyEscrow.refund: pays an unsettled order back to its buyer, from its deadline on. */
  refundOrder(order: EscrowOrder): Promise<TxResult>
  orderStatus(orderId: bigint): Promise<EscrowOrderStatus>
  /** The key-transfer circuit's orderNonce of an order. */
  orderNonce(orderId: bigint): Promise<bigint>
  /** Orders opened in blocks [fromBlock, toBlock] (default: from the deployment's block to the head), optionally of one buyer or dataset. */
  ordersOpened(fromBlock?: number, toBlock?: number, filter?: { buyer?: string; datasetId?: bigint }): Promise<OpenedOrder[]>
  /** An order as it was opened; undefined when no such order exists. */
  orderOf(orderId: bigint): Promise<OpenedOrder | undefined>
  /** The settlement of an order (what the buyer decrypts the key from); undefined while unsettled. */
  settlementOf(orderId: bigint): Promise<KeySettlement | undefined>
  /** Every settlement to `buyer` (of one dataset, when given), oldest first. */
  settlementsOf(buyer: string, datasetId?: bigint): Promise<KeySettlement[]>
  /** The manifest CID hash, key commitment and stats digest DatasetPublished recorded for a dataset. */
  anchorPreimageOf(datasetId: bigint): Promise<AnchorPreimage>
  /**
   * KeyEscrow.openStream: a trustless subscription to `periods` periods of windows from
   * `firstWindow`, at the price per period the buyer agreed to (default: the stream's, read now),
   * paid into escrow (an ERC-20 approved for the escrow first).
   */
  openStreamOrder(
    streamId: bigint,
    firstWindow: bigint,
    periods: bigint,
    buyerKey: bigint,
    agreedPricePerPeriod?: bigint,
  ): Promise<OpenedStreamOrder>
  /** KeyEscrow.settleWindow: one window's key, encrypted, with its proof (simulated before it is sent, as settleOrder). */
  settleWindow(
    order: StreamEscrowOrder,
    windowIndex: bigint,
    proof: Groth16Proof,
    encrypted: { ephemeralKey: bigint; cipherHi: bigint; cipherLo: bigint },
    anchor: AnchorPreimage,
  ): Promise<TxResult & { datasetId: bigint }>
  /** KeyEscrow.refundWindows: pays back the unsettled windows of [fromWindow, toWindow) once the last is past its deadline. */
  refundWindows(order: StreamEscrowOrder, fromWindow: bigint, toWindow: bigint): Promise<TxResult & { amount: bigint }>
  windowStatus(order: StreamEscrowOrder, windowIndex: bigint): Promise<EscrowOrderStatus>
  /** The key-transfer circuit's orderNonce of one window of a stream order. */
  windowNonce(orderId: bigint, windowIndex: bigint): Promise<bigint>
  /** KeyEscrow's settlement window in seconds (fixed at deployment; see windowDeadlineOf). */
  settlementWindow(): Promise<bigint>
  /** From when a window of a stream order may be refunded: the settlement window after its end, or after the order's opening if later. */
  windowDeadline(order: StreamEscrowOrder, windowIndex: bigint): Promise<bigint>
  /** Stream orders opened in blocks [fromBlock, toBlock] (default: the deployment's block to the head), optionally of one buyer or of some streams. */
  streamOrdersOpened(
    fromBlock?: number,
    toBlock?: number,
    filter?: { buyer?: string; streamId?: bigint | readonly bigint[] },
  ): Promise<OpenedStreamOrder[]>
  /** The refunds of a stream order's windows (WindowsRefunded): each refunded the still-open windows of [fromWindow, toWindow). */
  windowRefundsOf(orderId: bigint): Promise<Array<{ fromWindow: bigint; toWindow: bigint; amount: bigint; txHash: string }>>
  /** The settlement of one window of a stream order; undefined while unsettled. */
  windowSettlementOf(orderId: bigint, windowIndex: bigint): Promise<KeySettlement | undefined>
  /** A stream order as it was opened; undefined when there is none under that id. */
  streamOrderOf(orderId: bigint): Promise<OpenedStreamOrder | undefined>
  /** Windows attached to streams in blocks [fromBlock, toBlock] (default: all), optionally of some streams. */
  windowsPublished(
    fromBlock?: number,
    toBlock?: number,
    streamId?: bigint | readonly bigint[],
  ): Promise<Array<{ streamId: bigint; windowIndex: bigint; datasetId: bigint; blockNumber: number }>>
  /** Ids of the streams `owner` created in blocks [fromBlock, toBlock] (default: all). */
  streamsCreatedBy(owner: string, fromBlock?: number, toBlock?: number): Promise<bigint[]>
  /**
   * Every DataMarket purchase `buyer` made (Purchased events from the deployment's block), oldest
   * first: the dataset, what was paid, and the access expiry (2^64 - 1 = perpetual). Stream
   * subscriptions and escrow settlements are not purchases here (see subscriptionOf, settlementsOf).
   */
  purchasesOf(
    buyer: string,
  ): Promise<Array<{ datasetId: bigint; paymentToken: string; price: bigint; expiresAt: bigint; txHash: string; blockNumber: number }>>
  /**
   * Every DataMarket subscription bought to `streamId` (Subscribed events from the deployment's
   * block), oldest first: who paid how much (the protocol fee included in it) and the
   * subscription's [start, end) after the purchase (a renewal extends it).
   */
  subscriptionsTo(streamId: bigint): Promise<StreamSubscription[]>
  /** Every window of `streamId` bought through the KeyEscrow (WindowPurchased: a stream order's window settled), oldest first. */
  windowPurchasesOf(streamId: bigint): Promise<WindowPurchase[]>
}

/** One DataMarket subscription purchase (Subscribed). */
export interface StreamSubscription {
  streamId: bigint
  subscriber: string
  paymentToken: string
  /** What was paid, the fee included. */
  amount: bigint
  fee: bigint
  /** The subscription after this purchase (unix seconds). */
  start: bigint
  end: bigint
  txHash: string
  blockNumber: number
}

/** One stream window bought through the KeyEscrow and paid to the stream (WindowPurchased). */
export interface WindowPurchase {
  streamId: bigint
  windowIndex: bigint
  buyer: string
  datasetId: bigint
  paymentToken: string
  /** The window's share of its order, the fee included. */
  amount: bigint
  fee: bigint
  txHash: string
  blockNumber: number
}

/** A node refused a transaction for a nonce already used (ethers' NONCE_EXPIRED, or a node's own words, as Hardhat's). */
function nonceTaken(err: unknown): boolean {
  return isError(err, 'NONCE_EXPIRED') || (err instanceof Error && /nonce too low/i.test(err.message))
}

/** The access expiry of a perpetual purchase, and of every stream window bought through the escrow. */
const MAX_UINT64 = (1n << 64n) - 1n

/** How long a settlement waits for its receipt before the attempt fails (and is tried again). */
const SETTLE_RECEIPT_TIMEOUT_MS = 120_000

/** A chain client for `deployment`, signing with `runner` when it is a signer. */
export function createChainClient(runner: ContractRunner, deployment: Deployment): ChainClient {
  const devices = typedContract<DeviceRegistry>(deployment.contracts.deviceRegistry, deviceRegistryAbi, runner)
  const datasets = typedContract<DatasetRegistry>(deployment.contracts.datasetRegistry, datasetRegistryAbi, runner)
  const market = typedContract<DataMarket>(deployment.contracts.dataMarket, dataMarketAbi, runner)
  const deviceEvents = typedEvents<DeviceRegistryEvents>(devices)
  const datasetEvents = typedEvents<DatasetRegistryEvents>(datasets)
  const marketEvents = typedEvents<DataMarketEvents>(market)
  const escrow = typedContract<KeyEscrow>(deployment.contracts.keyEscrow, keyEscrowAbi, runner)
  const escrowEvents = typedEvents<KeyEscrowEvents>(escrow)

  async function send(
    action: string,
    call: () => Promise<ContractTransactionResponse>,
    receiptTimeoutMs?: number,
  ): Promise<ContractTransactionReceipt> {
    // ethers' NonceManager counts a nonce before the transaction is estimated and sent: after a
    // failure it would leave a gap that stalls every later transaction of the account. Reset, so
    // the next one reads the account's pending nonce from the chain.
    const reset = (): void => {
      const nonces = runner as { reset?: () => void }
      if (typeof nonces.reset === 'function') nonces.reset()
    }
    let tx: ContractTransactionResponse
    try {
      tx = await call()
    } catch (err) {
      reset()
      // Someone else sent from this account (its operator withdrawing in the web app with the
      // node's key): the node refused to take a used nonce, so nothing was sent. Once more, with
      // the account's nonce read again.
      if (!nonceTaken(err)) throw decodeContractError(action, err)
      try {
        tx = await call()
      } catch (again) {
        reset()
        throw decodeContractError(action, again)
      }
    }
    try {
      // wait() is null only when asked for 0 confirmations.
      return (await tx.wait(1, receiptTimeoutMs))!
    } catch (err) {
      reset()
      throw decodeContractError(action, err)
    }
  }
  async function read<T>(action: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call()
    } catch (err) {
      throw decodeContractError(action, err)
    }
  }
  const result = (r: ContractTransactionReceipt): TxResult => ({ txHash: r.hash, blockNumber: r.blockNumber })
  function emitted<E, N extends keyof E & string>(events: TypedEvents<E>, r: ContractTransactionReceipt, event: N): E[N] {
    const args = events.find(r, event)
    if (args === undefined) throw new DeploymentError(`transaction ${r.hash} emitted no ${event}`)
    return args
  }
  /** The native coin goes with the call as its value; an ERC-20 was approved before. */
  const paying = (value: bigint | undefined): { value?: bigint } => (value !== undefined ? { value } : {})

  /** Lets `spender` (default: the market) take `amount` of an ERC-20 from the signer (nothing to do for the native coin). */
  async function approvePayment(paymentToken: string, amount: bigint, spender = deployment.contracts.dataMarket): Promise<void> {
    if (paymentToken === ZeroAddress) return
    const token = typedContract<TestStablecoin>(paymentToken, testStablecoinAbi, runner)
    const owner = await (runner as unknown as { getAddress(): Promise<string> }).getAddress()
    const allowance = await read('read allowance', () => token.allowance(owner, spender))
    if (allowance < amount) await send('approve payment', () => token.approve(spender, amount))
  }

  async function listingOf(datasetId: bigint): Promise<ListingRecord> {
    const l = await read('read listing', () => market.listingOf(datasetId))
    return { seller: l.seller, accessPeriod: l.accessPeriod, active: l.active, paymentToken: l.paymentToken, price: l.price }
  }

  async function registrationTerms(owner?: string): Promise<RegistrationTerms> {
    const account = owner ?? (await (runner as unknown as { getAddress(): Promise<string> }).getAddress())
    const nonce = await read('read registration nonce', () => devices.registrationNonce(account))
    return { owner: account, chainId: BigInt(deployment.chainId), registry: deployment.contracts.deviceRegistry, nonce }
  }

  async function proofSystemOf(circuit: number): Promise<ProofSystemName> {
    const value = Number(await read('read proof system', () => datasets.proofSystems(circuit)))
    const system = PROOF_SYSTEMS[value]
    if (system === undefined) throw new DeploymentError(`verifier slot ${circuit} records an unknown proof system ${value}`)
    return system
  }

  // Slots are install-once: a slot's verifier, once checked against the committed code, stays it.
  const checkedHonkVerifiers = new Map<number, Promise<string>>()
  /** The address of slot `slot`'s UltraHonk verifier, its code checked against the committed verifier's once. */
  function installedHonkVerifier(slot: number): Promise<string> {
    let checked = checkedHonkVerifiers.get(slot)
    if (checked === undefined) {
      checked = (async () => {
        const entry = VERIFIER_SLOTS.find((s) => s.slot === slot)
        const address = await read('read verifier', () => datasets.verifiers(slot))
        if (address === ZeroAddress || entry?.system !== 'ultrahonk' || (await proofSystemOf(slot)) !== 'ultrahonk')
          throw new DeploymentError(`verifier slot ${slot} holds no UltraHonk verifier`)
        const provider = runner.provider ?? (runner as unknown as Provider)
        try {
          await assertCommittedHonkVerifier(provider, address, entry.contract)
        } catch (err) {
          if (err instanceof VerifierCodeMismatchError) throw err
          throw new VerifierUnavailableError(slot, { cause: err })
        }
        return address
      })()
      checkedHonkVerifiers.set(slot, checked)
      checked.catch(() => checkedHonkVerifiers.delete(slot)) // checked again next time
    }
    return checked
  }

  return {
    deployment,
    registrationTerms,
    async registerDevice(ax, ay, metadataURI, proof) {
      let p: PossessionProof
      if (typeof proof === 'function') {
        const terms = await registrationTerms()
        p = { ...(await proof(deviceRegistrationMessage(terms))), nonce: terms.nonce }
      } else p = proof
      const possession = { nonce: p.nonce, r8x: p.R8x, r8y: p.R8y, s: p.S }
      const r = await send('register device', () => devices.register(ax, ay, possession, metadataURI))
      return { ...result(r), deviceId: emitted(deviceEvents, r, 'DeviceRegistered').deviceId }
    },
    async revokeDevice(deviceId) {
      return result(await send('revoke device', () => devices.revoke(deviceId)))
    },
    async transferDevice(deviceId, to) {
      return result(await send('transfer device', () => devices.transferDevice(deviceId, to)))
    },
    async setPublisher(deviceId, publisher, authorised) {
      return result(await send('authorise publisher', () => devices.setPublisher(deviceId, publisher, authorised)))
    },
    async deviceOf(deviceId) {
      const d = await read('read device', () => devices.deviceOf(deviceId))
      return { owner: d.owner, registeredAt: d.registeredAt, revokedAt: d.revokedAt, epoch: Number(d.epoch) }
    },
    canPublish(deviceId, publisher) {
      return read('check device', () => devices.canPublish(deviceId, publisher))
    },
    async deviceRegistrationsOf(owner) {
      const action = 'read device registrations'
      const [registered, received] = await Promise.all([
        logsOf(devices, 'DeviceRegistered', [null, owner], deployment.startBlock, undefined, action),
        logsOf(devices, 'DeviceTransferred', [null, null, owner], deployment.startBlock, undefined, action),
      ])
      const receivedIds = received.flatMap((log) => deviceEvents.parse(log, 'DeviceTransferred')?.deviceId ?? [])
      // A device transferred to `owner` was registered by another account: its registration by id.
      const ofReceived =
        receivedIds.length === 0
          ? []
          : await logsOf(devices, 'DeviceRegistered', [[...new Set(receivedIds)]], deployment.startBlock, undefined, action)
      const byId = new Map<bigint, DeviceRegistration>()
      for (const log of [...registered, ...ofReceived].sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index)) {
        const e = deviceEvents.parse(log, 'DeviceRegistered')
        if (e === undefined || byId.has(e.deviceId)) continue
        byId.set(e.deviceId, {
          deviceId: e.deviceId,
          registeredBy: e.owner,
          Ax: e.ax,
          Ay: e.ay,
          label: e.metadataURI,
          txHash: log.transactionHash,
          blockNumber: log.blockNumber,
        })
      }
      return [...byId.values()]
    },
    async publishDataset(p) {
      const slot = deployment.verifiers[p.circuitId]?.slot
      if (slot === undefined) throw new DeploymentError(`circuit ${p.circuitId} has no verifier in this deployment`)
      const r = await send('publish dataset', () =>
        datasets.publish(p.manifestCid, p.root, p.keyCommitment, p.qualityScore, p.statsDigest, p.deviceIds, p.parent ?? 0n, slot),
      )
      return { ...result(r), datasetId: emitted(datasetEvents, r, 'DatasetPublished').datasetId }
    },
    async findPublished(owner, manifestCid) {
      const logs = await logsOf(datasets, 'DatasetPublished', [null, owner], deployment.startBlock, undefined, 'look up published datasets')
      for (const log of logs) {
        const published = datasetEvents.parse(log, 'DatasetPublished')
        if (published?.manifestCid === manifestCid)
          return { datasetId: published.datasetId, txHash: log.transactionHash, blockNumber: log.blockNumber }
      }
      return undefined
    },
    async attestQuality(datasetId, score, reportCid) {
      return result(await send('attest quality', () => datasets.attestQuality(datasetId, score, reportCid)))
    },
    async datasetOf(datasetId) {
      const d = await read('read dataset', () => datasets.datasetOf(datasetId))
      return {
        owner: d.owner,
        publishedAt: d.publishedAt,
        qualityScore: Number(d.qualityScore),
        parent: d.parent,
        circuit: Number(d.circuit),
        root: d.root,
        anchor: d.anchor,
      }
    },
    setupRecordOf(circuit) {
      return read('read setup record', () => datasets.setupRecords(circuit))
    },
    proofSystemOf,
    async verifyBatch(datasetId, proof, publicSignals, siblings, leafIndex) {
      const batch = { proof: batchProofBytes(proof), publicSignals: publicSignals.map((s) => BigInt(s)) }
      await read('verify batch', () => datasets.verifyBatch(datasetId, batch, siblings, leafIndex))
      return true
    },
    async honkVerify(slot, proof, publicSignals) {
      const address = await installedHonkVerifier(slot)
      const verifier = typedContract<IHonkVerifier>(address, iHonkVerifierAbi, runner)
      const inputs = publicSignals.map((s) => `0x${BigInt(s).toString(16).padStart(64, '0')}`)
      try {
        return await verifier.verify(batchProofBytes(proof), inputs)
      } catch (err) {
        // bb's verifier refuses a proof by reverting with a named error; a failure without revert
        // data (a gas cap, the RPC) says nothing about the proof.
        if (revertedWithData(err)) return false
        throw new VerifierUnavailableError(slot, { cause: err })
      }
    },
    async list(p) {
      return result(
        await send('list dataset', () =>
          market.list(p.datasetId, p.price, p.paymentToken ?? ZeroAddress, p.accessPeriod ?? 0n, p.splits ?? []),
        ),
      )
    },
    async setPrice(datasetId, price) {
      return result(await send('change price', () => market.setPrice(datasetId, price)))
    },
    async delist(datasetId) {
      return result(await send('delist dataset', () => market.delist(datasetId)))
    },
    listingOf,
    async buy(datasetId, agreed) {
      const terms = agreed ?? (await listingOf(datasetId))
      await approvePayment(terms.paymentToken, terms.price)
      const value = terms.paymentToken === ZeroAddress ? terms.price : undefined
      const r = await send('buy access', () => market.buy(datasetId, terms.price, terms.paymentToken, terms.accessPeriod, paying(value)))
      return { ...result(r), price: terms.price, expiresAt: emitted(marketEvents, r, 'Purchased').expiresAt }
    },
    async withdraw(token = ZeroAddress) {
      const r = await send('withdraw proceeds', () => market.withdraw(token))
      return { ...result(r), amount: emitted(marketEvents, r, 'Withdrawn').amount }
    },
    owed(account, token = ZeroAddress) {
      return read('read proceeds', () => market.owed(account, token))
    },
    hasAccess(account, datasetId) {
      return read('check access', () => market.hasAccess(account, datasetId))
    },
    async createStream(p) {
      const r = await send('create stream', () =>
        market.createStream(
          p.start ?? 0n,
          p.windowLength,
          p.period,
          p.paymentToken ?? ZeroAddress,
          p.pricePerPeriod,
          p.deviceIds,
          p.splits ?? [],
        ),
      )
      const created = emitted(marketEvents, r, 'StreamCreated')
      return { ...result(r), streamId: created.streamId, start: created.start }
    },
    async streamOf(streamId) {
      const s = await read('read stream', () => market.streamOf(streamId))
      return {
        owner: s.owner,
        start: s.start,
        windowLength: s.windowLength,
        period: s.period,
        paymentToken: s.paymentToken,
        pricePerPeriod: s.pricePerPeriod,
      }
    },
    async subscribe(streamId, periods) {
      const stream = await read('read stream', () => market.streamOf(streamId))
      const amount = stream.pricePerPeriod * periods
      await approvePayment(stream.paymentToken, amount)
      const value = stream.paymentToken === ZeroAddress ? amount : undefined
      const r = await send('subscribe to stream', () => market.subscribe(streamId, periods, stream.pricePerPeriod, paying(value)))
      const subscribed = emitted(marketEvents, r, 'Subscribed')
      return { ...result(r), amount, start: subscribed.start, end: subscribed.end }
    },
    async subscriptionOf(account, streamId) {
      const s = await read('read subscription', () => market.subscriptionOf(account, streamId))
      return { start: s.start, end: s.end }
    },
    async attachWindow(streamId, windowIndex, datasetId) {
      return result(await send('attach window', () => market.attachWindow(streamId, windowIndex, datasetId)))
    },
    windowDataset(streamId, windowIndex) {
      return read('read window', () => market.windowDataset(streamId, windowIndex))
    },
    async windowOf(datasetId) {
      const [streamId, windowIndex] = await read('read window of dataset', () => market.windowOf(datasetId))
      return { streamId, windowIndex }
    },
    async openOrder(datasetId, buyerKey, agreed) {
      const terms = agreed ?? (await listingOf(datasetId))
      await approvePayment(terms.paymentToken, terms.price, deployment.contracts.keyEscrow)
      const value = terms.paymentToken === ZeroAddress ? terms.price : undefined
      const r = await send('open escrow order', () =>
        escrow.open(datasetId, terms.price, terms.paymentToken, terms.accessPeriod, buyerKey, paying(value)),
      )
      const opened = emitted(escrowEvents, r, 'OrderOpened')
      return { ...orderFrom(opened.order), nonce: opened.nonce, ...result(r) }
    },
    async settleOrder(order, proof, encrypted, anchor) {
      const calldata = proofToCalldata(proof)
      const { ephemeralKey, cipherHi, cipherLo } = encrypted
      // The transaction's calldata is the encrypted key: a settlement that reverts after it is
      // broadcast hands the key over unpaid (the buyer reads it from the failed transaction). So it is
      // simulated first (a revert is never broadcast), and sent with a quarter more gas than estimated (storage a same-block withdrawal
      // emptied costs more to write again); a receipt that does not come is an error to retry.
      const gas = await read('simulate escrow settlement', () =>
        escrow.settle.estimateGas(order, calldata, ephemeralKey, cipherHi, cipherLo, anchor),
      )
      const r = await send(
        'settle escrow order',
        () => escrow.settle(order, calldata, ephemeralKey, cipherHi, cipherLo, anchor, { gasLimit: gas + gas / 4n }),
        SETTLE_RECEIPT_TIMEOUT_MS,
      )
      return { ...result(r), expiresAt: emitted(escrowEvents, r, 'OrderSettled').expiresAt }
    },
    async refundOrder(order) {
      return result(await send('refund escrow order', () => escrow.refund(order)))
    },
    async orderStatus(orderId) {
      return statusFrom(await read('read order status', () => escrow.orderStatus(orderId)))
    },
    orderNonce(orderId) {
      return read('read order nonce', () => escrow.orderNonce(orderId))
    },
    ordersOpened(fromBlock = deployment.startBlock, toBlock, filter = {}) {
      return opened([null, filter.datasetId ?? null, filter.buyer ?? null], fromBlock, toBlock)
    },
    async orderOf(orderId) {
      return (await opened([orderId], deployment.startBlock))[0]
    },
    async settlementOf(orderId) {
      return (await settlements([orderId]))[0]
    },
    async settlementsOf(buyer, datasetId) {
      const [orders, windows] = await Promise.all([
        settlements([null, datasetId ?? null, buyer]),
        settlements([null, datasetId ?? null, buyer], 'WindowSettled'),
      ])
      return [...orders, ...windows].sort((a, b) => a.blockNumber - b.blockNumber)
    },
    async anchorPreimageOf(datasetId) {
      const logs = await logsOf(datasets, 'DatasetPublished', [datasetId], deployment.startBlock, undefined, 'read dataset anchor')
      const e = logs[0] === undefined ? undefined : datasetEvents.parse(logs[0], 'DatasetPublished')
      if (e === undefined) throw new DeploymentError(`dataset ${datasetId} was never published on this deployment`)
      return { manifestCidHash: keccak256(toUtf8Bytes(e.manifestCid)), keyCommitment: e.keyCommitment, statsDigest: e.statsDigest }
    },
    async openStreamOrder(streamId, firstWindow, periods, buyerKey, agreedPricePerPeriod) {
      const stream = await read('read stream', () => market.streamOf(streamId))
      const price = agreedPricePerPeriod ?? stream.pricePerPeriod
      const amount = price * periods
      await approvePayment(stream.paymentToken, amount, deployment.contracts.keyEscrow)
      const value = stream.paymentToken === ZeroAddress ? amount : undefined
      const r = await send('open stream escrow order', () =>
        escrow.openStream(streamId, firstWindow, periods, price, buyerKey, paying(value)),
      )
      return { ...streamOrderFrom(emitted(escrowEvents, r, 'StreamOrderOpened').order), ...result(r) }
    },
    async settleWindow(order, windowIndex, proof, encrypted, anchor) {
      const calldata = proofToCalldata(proof)
      const { ephemeralKey, cipherHi, cipherLo } = encrypted
      // As settleOrder: never broadcast a settlement that reverts (its calldata is the key).
      const gas = await read('simulate window settlement', () =>
        escrow.settleWindow.estimateGas(order, windowIndex, calldata, ephemeralKey, cipherHi, cipherLo, anchor),
      )
      const r = await send(
        'settle stream window',
        () => escrow.settleWindow(order, windowIndex, calldata, ephemeralKey, cipherHi, cipherLo, anchor, { gasLimit: gas + gas / 4n }),
        SETTLE_RECEIPT_TIMEOUT_MS,
      )
      return { ...result(r), datasetId: emitted(escrowEvents, r, 'WindowSettled').datasetId }
    },
    async refundWindows(order, fromWindow, toWindow) {
      const r = await send('refund stream windows', () => escrow.refundWindows(order, fromWindow, toWindow))
      return { ...result(r), amount: emitted(escrowEvents, r, 'WindowsRefunded').amount }
    },
    async windowStatus(order, windowIndex) {
      return statusFrom(await read('read window status', () => escrow.windowStatus(order, windowIndex)))
    },
    windowNonce(orderId, windowIndex) {
      return read('read window nonce', () => escrow.windowNonce(orderId, windowIndex))
    },
    settlementWindow() {
      return read('read settlement window', () => escrow.settlementWindow())
    },
    windowDeadline(order, windowIndex) {
      return read('read window deadline', () => escrow.windowDeadline(order, windowIndex))
    },
    streamOrdersOpened(fromBlock = deployment.startBlock, toBlock, filter = {}) {
      return streamOrdersOpened([null, topicOf(filter.streamId), filter.buyer ?? null], fromBlock, toBlock)
    },
    async windowRefundsOf(orderId) {
      const logs = await escrowLogs('WindowsRefunded', [orderId], deployment.startBlock)
      return logs.flatMap((log) => {
        const e = escrowEvents.parse(log, 'WindowsRefunded')
        return e === undefined ? [] : [{ fromWindow: e.fromWindow, toWindow: e.toWindow, amount: e.amount, txHash: log.transactionHash }]
      })
    },
    async windowSettlementOf(orderId, windowIndex) {
      const all = await settlements([orderId], 'WindowSettled')
      return all.find((x) => x.window?.windowIndex === windowIndex)
    },
    async streamOrderOf(orderId) {
      return (await streamOrdersOpened([orderId], deployment.startBlock))[0]
    },
    async streamsCreatedBy(owner, fromBlock = deployment.startBlock, toBlock) {
      const logs = await logsOf(market, 'StreamCreated', [null, owner], fromBlock, toBlock)
      return logs.flatMap((log) => {
        const e = marketEvents.parse(log, 'StreamCreated')
        return e === undefined ? [] : [e.streamId]
      })
    },
    async purchasesOf(buyer) {
      const logs = await logsOf(market, 'Purchased', [null, buyer], deployment.startBlock)
      return logs.flatMap((log) => {
        const e = marketEvents.parse(log, 'Purchased')
        return e === undefined
          ? []
          : [
              {
                datasetId: e.datasetId,
                paymentToken: e.paymentToken,
                price: e.price,
                expiresAt: e.expiresAt,
                txHash: log.transactionHash,
                blockNumber: log.blockNumber,
              },
            ]
      })
    },
    async subscriptionsTo(streamId) {
      const logs = await logsOf(market, 'Subscribed', [streamId], deployment.startBlock)
      return logs.flatMap((log) => {
        const e = marketEvents.parse(log, 'Subscribed')
        return e === undefined
          ? []
          : [
              {
                streamId: e.streamId,
                subscriber: e.subscriber,
                paymentToken: e.paymentToken,
                amount: e.amount,
                fee: e.fee,
                start: e.start,
                end: e.end,
                txHash: log.transactionHash,
                blockNumber: log.blockNumber,
              },
            ]
      })
    },
    async windowPurchasesOf(streamId) {
      const logs = await logsOf(market, 'WindowPurchased', [streamId], deployment.startBlock)
      return logs.flatMap((log) => {
        const e = marketEvents.parse(log, 'WindowPurchased')
        return e === undefined
          ? []
          : [
              {
                streamId: e.streamId,
                windowIndex: e.windowIndex,
                buyer: e.buyer,
                datasetId: e.datasetId,
                paymentToken: e.paymentToken,
                amount: e.amount,
                fee: e.fee,
                txHash: log.transactionHash,
                blockNumber: log.blockNumber,
              },
            ]
      })
    },
    async windowsPublished(fromBlock = deployment.startBlock, toBlock, streamId) {
      const logs = await logsOf(market, 'WindowPublished', [topicOf(streamId)], fromBlock, toBlock)
      return logs.flatMap((log) => {
        const e = marketEvents.parse(log, 'WindowPublished')
        return e === undefined
          ? []
          : [{ streamId: e.streamId, windowIndex: e.windowIndex, datasetId: e.datasetId, blockNumber: log.blockNumber }]
      })
    },
  }

  /** An indexed topic: one value, any of several (an OR), or any (null). */
  function topicOf(value: bigint | readonly bigint[] | undefined): bigint | bigint[] | null {
    if (value === undefined) return null
    return typeof value === 'bigint' ? value : [...value]
  }

  function statusFrom(raw: bigint): EscrowOrderStatus {
    const status = ESCROW_ORDER_STATUSES[Number(raw)]
    if (status === undefined) throw new DeploymentError(`KeyEscrow reports an unknown order status ${raw}`)
    return status
  }

  function streamOrderFrom(o: KeyEscrowEvents['StreamOrderOpened']['order']): StreamEscrowOrder {
    return {
      id: o.id,
      buyer: o.buyer,
      streamId: o.streamId,
      paymentToken: o.paymentToken,
      amount: o.amount,
      firstWindow: o.firstWindow,
      windowCount: o.windowCount,
      streamStart: o.streamStart,
      windowLength: o.windowLength,
      openedAt: o.openedAt,
      buyerKey: o.buyerKey,
    }
  }

  async function streamOrdersOpened(
    topics: Array<bigint | bigint[] | string | null>,
    fromBlock: number,
    toBlock?: number,
  ): Promise<OpenedStreamOrder[]> {
    const logs = await escrowLogs('StreamOrderOpened', topics, fromBlock, toBlock)
    return logs.flatMap((log) => {
      const e = escrowEvents.parse(log, 'StreamOrderOpened')
      return e === undefined ? [] : [{ ...streamOrderFrom(e.order), txHash: log.transactionHash, blockNumber: log.blockNumber }]
    })
  }

  /** An order as the escrow emitted it (an ethers Result) as a plain object settle and refund take back. */
  function orderFrom(o: KeyEscrowEvents['OrderOpened']['order']): EscrowOrder {
    return {
      id: o.id,
      buyer: o.buyer,
      datasetId: o.datasetId,
      paymentToken: o.paymentToken,
      price: o.price,
      accessPeriod: o.accessPeriod,
      deadline: o.deadline,
      buyerKey: o.buyerKey,
      anchor: o.anchor,
    }
  }

  /** `event`'s logs of one of the deployment's contracts, by indexed topics (null: any; an array: any of them). */
  async function logsOf(
    contract: BaseContract,
    event: string,
    topics: Array<bigint | bigint[] | string | null>,
    fromBlock: number,
    toBlock?: number,
    action = `read ${event} events`,
  ): Promise<Log[]> {
    try {
      return await contract.queryFilter(contract.filters[event]!(...(topics as never[])), fromBlock, toBlock)
    } catch (err) {
      throw decodeContractError(action, err)
    }
  }

  function escrowLogs(
    event: 'OrderOpened' | 'OrderSettled' | 'StreamOrderOpened' | 'WindowSettled' | 'WindowsRefunded',
    topics: Array<bigint | bigint[] | string | null>,
    fromBlock: number,
    toBlock?: number,
  ): Promise<Log[]> {
    return logsOf(escrow, event, topics, fromBlock, toBlock)
  }

  async function opened(topics: Array<bigint | string | null>, fromBlock: number, toBlock?: number): Promise<OpenedOrder[]> {
    const logs = await escrowLogs('OrderOpened', topics, fromBlock, toBlock)
    return logs.flatMap((log) => {
      const e = escrowEvents.parse(log, 'OrderOpened')
      return e === undefined ? [] : [{ ...orderFrom(e.order), nonce: e.nonce, txHash: log.transactionHash, blockNumber: log.blockNumber }]
    })
  }

  /** Settlements of dataset orders and of stream windows (the same delivery: one key, encrypted to the buyer). */
  async function settlements(
    topics: Array<bigint | string | null>,
    event: 'OrderSettled' | 'WindowSettled' = 'OrderSettled',
  ): Promise<KeySettlement[]> {
    const logs = await escrowLogs(event, topics, deployment.startBlock)
    return logs.flatMap((log): KeySettlement[] => {
      const e = event === 'OrderSettled' ? escrowEvents.parse(log, 'OrderSettled') : escrowEvents.parse(log, 'WindowSettled')
      if (e === undefined) return []
      const settled = {
        orderId: e.orderId,
        datasetId: e.datasetId,
        buyer: e.buyer,
        nonce: e.nonce,
        ephemeralKey: e.ephemeralKey,
        cipherHi: e.cipherHi,
        cipherLo: e.cipherLo,
        txHash: log.transactionHash,
        blockNumber: log.blockNumber,
      }
      return 'expiresAt' in e
        ? [{ ...settled, expiresAt: e.expiresAt }]
        : [{ ...settled, expiresAt: MAX_UINT64, window: { streamId: e.streamId, windowIndex: e.windowIndex } }]
    })
  }
}
