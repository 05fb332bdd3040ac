// bench:gas — gas of Assay's contract calls on a real anvil, deployed by the product's deploy code.
// Typical calls are measured after a first one warmed the counters and payee balances (the first
// publish and the first sale also write zero slots; they are reported as *_first). verify_batch
// is estimateGas of a view call with a real proof from circuits/ in a dataset of 4 batches
// (Merkle depth 2; each further doubling of batches adds one Poseidon hash, ~22k gas);
// verify_batch_honk is the same readings proved with UltraHonk (native bb) in the UltraHonk slot
// of the B = 16 test circuit (commitment v3, so four batches of their own), same dataset shape.
// escrow_*: KeyEscrow on a native perpetual listing without splits (as buy_native): open, settle
// with a real key-transfer proof (payees already owed, a buyer new to the dataset, as buy_native;
// _renewal: a buyer who holds the access already) and refund after the deadline;
// escrow_*stream*/*window*: a one-period stream order of two 1 h windows (open, settle one window
// for a buyer new to it, refund both windows at once).
// Last line: JSON.
import '../core/polyfill.js'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { HDNodeWallet, JsonRpcProvider, keccak256, toUtf8Bytes, type Result, NonceManager, type ContractTransactionResponse } from 'ethers'
import {
  buyerKeyFromSeed,
  computeBatchCommitment,
  computeKeyCommitment,
  encryptKeyForBuyer,
  KEY_TRANSFER_CIRCUIT,
  computeDatasetRoot,
  createDeviceKey,
  generateProof,
  prepareBatch,
  proveBatchInclusion,
  sensorStatsParams,
  seriesIdOf,
  signBatch,
  signEddsaPoseidon,
  type SensorStatsParams,
} from '../circuits/index.js'
import { committedSetupRecordDigests, loadCircuit, loadHonkCircuit, proveHonkBatch, releaseProverThreads } from '../circuits/node.js'
import { DEV_MNEMONIC } from '../core/index.js'
import {
  dataMarketAbi,
  datasetRegistryAbi,
  deviceRegistryAbi,
  batchProofBytes,
  keyEscrowAbi,
  proofToCalldata,
  testStablecoinAbi,
  typedContract,
  verifierSlotOf,
  type DataMarket,
  type DatasetRegistry,
  type DeviceRegistry,
  type KeyEscrow,
  type TestStablecoin,
} from '../contracts/index.js'
import { ensureDeployment, startAnvil } from '../contracts/node.js'

const CIRCUIT = 'sensor-stats-b16-v2'
const HONK_CIRCUIT = 'sensor-stats-b16-v3-honk'
const dir = await mkdtemp(join(tmpdir(), 'assay-gas-'))
const anvil = await startAnvil({ dataDir: dir })
const provider = new JsonRpcProvider(anvil.rpcUrl, undefined, { staticNetwork: true, pollingInterval: 50 })
const account = (i: number) => new NonceManager(HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).connect(provider))
const [admin, seller, buyerA, buyerB, buyerC] = [0, 1, 2, 3, 4].map(account) as [
  NonceManager,
  NonceManager,
  NonceManager,
  NonceManager,
  NonceManager,
]
try {
  const { deployment } = await ensureDeployment(join(dir, 'deployment.json'), admin, {
    testStablecoin: true,
    treasury: await account(9).getAddress(),
    setupRecords: await committedSetupRecordDigests(),
  })
  if (deployment.verifiers[HONK_CIRCUIT]?.system !== 'ultrahonk') throw new Error(`${HONK_CIRCUIT} was not installed`)
  const gas = async (tx: Promise<ContractTransactionResponse>): Promise<number> => Number((await (await tx).wait())!.gasUsed)
  const devices = typedContract<DeviceRegistry>(deployment.contracts.deviceRegistry, deviceRegistryAbi, seller)
  const datasets = typedContract<DatasetRegistry>(deployment.contracts.datasetRegistry, datasetRegistryAbi, seller)
  const market = (s: NonceManager) => typedContract<DataMarket>(deployment.contracts.dataMarket, dataMarketAbi, s)
  const tusd = (s: NonceManager) => typedContract<TestStablecoin>(deployment.contracts.testStablecoin!, testStablecoinAbi, s)

  // Four real batches by one device, their root, and one proof to check on-chain.
  const device = await createDeviceKey()
  const params = sensorStatsParams(CIRCUIT)
  const circuit = await loadCircuit(CIRCUIT)
  /** Batch i of the device's one series, signed and prepared for a circuit with `p`. */
  async function batchInput(p: SensorStatsParams, i: number): Promise<{ commitment: bigint; input: Record<string, string | string[]> }> {
    const batch = { values: [100n, 150n + BigInt(i), 120n], times: [0n, 60n, 120n].map((t) => t + BigInt(i) * 1000n) }
    const commitment = await computeBatchCommitment(batch, 7n + BigInt(i), p)
    const band = { lo: 0n, hi: 200n }
    const meaning = { metric: 'temperature', unit: '°C', scale: 0, offset: 0, nonce: 1n }
    const statement = { commitment, seriesId: await seriesIdOf(device.deviceId, meaning, band), batchIndex: BigInt(i), last: i === 3 }
    const signature = await signBatch(device, statement)
    const prepared = await prepareBatch(batch, p, {
      ...band,
      meaning,
      batchIndex: statement.batchIndex,
      last: statement.last,
      salt: 7n + BigInt(i),
      device,
      signature,
    })
    return { commitment, input: prepared.input }
  }
  const proven = []
  for (let i = 0; i < 4; i++) {
    const { commitment, input } = await batchInput(params, i)
    proven.push({ commitment, ...(await generateProof(circuit, input)) })
  }
  const root = await computeDatasetRoot(proven.map((p) => p.commitment))

  const owner = await seller.getAddress()
  const message = await devices.registrationMessage(owner, 0n)
  const possession = await signEddsaPoseidon(device.privateKey, message)
  const registerDevice = await gas(
    devices.register(
      device.Ax,
      device.Ay,
      { nonce: 0n, r8x: possession.R8x, r8y: possession.R8y, s: possession.S },
      'ipfs://bafydevicemetadata',
    ),
  )
  const cid = 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi'
  const publish = () => gas(datasets.publish(cid, root, 123n, 9100, `0x${'ab'.repeat(32)}`, [device.deviceId], 0n, verifierSlotOf(CIRCUIT)))
  const publishFirst = await publish()
  const publishOne = await publish()
  const list = await gas(market(seller).list(2n, 10n ** 16n, '0x0000000000000000000000000000000000000000', 0n, []))
  const buyFirst = await gas(market(buyerA).buy(2n, 10n ** 16n, '0x0000000000000000000000000000000000000000', 0n, { value: 10n ** 16n }))
  const buyNative = await gas(market(buyerB).buy(2n, 10n ** 16n, '0x0000000000000000000000000000000000000000', 0n, { value: 10n ** 16n }))
  const token = deployment.contracts.testStablecoin!
  await gas(market(seller).list(1n, 5_000_000n, token, 30n * 86_400n, []))
  for (const b of [buyerA, buyerC]) {
    await gas(tusd(admin).mint(await b.getAddress(), 100_000_000n))
    await gas(tusd(b).approve(deployment.contracts.dataMarket, 100_000_000n))
  }
  await gas(market(buyerA).buy(1n, 5_000_000n, token, 30n * 86_400n))
  const buyErc20 = await gas(market(buyerC).buy(1n, 5_000_000n, token, 30n * 86_400n))
  const withdraw = await gas(market(seller).withdraw('0x0000000000000000000000000000000000000000'))
  const leafIndex = 2
  const { siblings } = await proveBatchInclusion(
    proven.map((p) => p.commitment),
    leafIndex,
  )
  const batch = { proof: batchProofBytes(proven[leafIndex]!.proof), publicSignals: proven[leafIndex]!.publicSignals.map(BigInt) }
  const verifyBatch = Number(await datasets.verifyBatch.estimateGas(2n, batch, siblings, leafIndex))
  // The same proof in a one-batch dataset (root = the commitment): the cost without a Merkle path.
  await gas(
    datasets.publish(
      cid,
      proven[leafIndex]!.commitment,
      123n,
      9100,
      `0x${'ab'.repeat(32)}`,
      [device.deviceId],
      0n,
      verifierSlotOf(CIRCUIT),
    ),
  )
  const verifyBatchAlone = Number(await datasets.verifyBatch.estimateGas(3n, batch, [], 0))
  // The same readings proved with UltraHonk, in dataset 4 of four batches in the Honk slot: its
  // commitments are v3's, so its root and path are its own; the same shape.
  const honkBatches = await Promise.all([0, 1, 2, 3].map((i) => batchInput(sensorStatsParams(HONK_CIRCUIT), i)))
  const honkCommitments = honkBatches.map((b) => b.commitment)
  const honk = await proveHonkBatch(await loadHonkCircuit(HONK_CIRCUIT), honkBatches[leafIndex]!.input)
  const honkSignals = honk.publicSignals.map(BigInt)
  if (honkSignals[0] !== honkCommitments[leafIndex] || honkSignals.slice(1).some((v, i) => v !== batch.publicSignals[i + 1]))
    throw new Error('the Honk proof states other public signals')
  const honkRoot = await computeDatasetRoot(honkCommitments)
  await gas(datasets.publish(cid, honkRoot, 123n, 9100, `0x${'ab'.repeat(32)}`, [device.deviceId], 0n, verifierSlotOf(HONK_CIRCUIT)))
  const honkBatch = { proof: batchProofBytes(honk.proof), publicSignals: honkSignals }
  const honkPath = (await proveBatchInclusion(honkCommitments, leafIndex)).siblings
  const verifyBatchHonk = Number(await datasets.verifyBatch.estimateGas(4n, honkBatch, honkPath, leafIndex))

  // KeyEscrow: dataset 5 anchors a real key commitment; listed like dataset 2 (native, perpetual, no splits).
  const dataKey = Uint8Array.from({ length: 32 }, (_, i) => i + 1)
  const keyCommitment = await computeKeyCommitment(dataKey)
  const statsDigest = `0x${'ab'.repeat(32)}`
  await gas(datasets.publish(cid, root, keyCommitment, 9100, statsDigest, [device.deviceId], 0n, verifierSlotOf(CIRCUIT)))
  await gas(market(seller).list(5n, 10n ** 16n, '0x0000000000000000000000000000000000000000', 0n, []))
  const escrow = (s: NonceManager) => typedContract<KeyEscrow>(deployment.contracts.keyEscrow, keyEscrowAbi, s)
  const buyerKey = await buyerKeyFromSeed(new Uint8Array(32).fill(9))
  const openOrder = async (b: NonceManager) => {
    const tx = await escrow(b).open(5n, 10n ** 16n, '0x0000000000000000000000000000000000000000', 0n, buyerKey.publicKey, {
      value: 10n ** 16n,
    })
    const receipt = (await tx.wait())!
    const opened = receipt.logs.map((l) => escrow(b).interface.parseLog(l)).find((l) => l?.name === 'OrderOpened')!
    // The order as OrderOpened carries it: what settle and refund take back.
    const order = (opened.args.order as Result).toObject() as Parameters<KeyEscrow['refund']>[0]
    return { order, gasUsed: Number(receipt.gasUsed), nonce: opened.args.nonce as bigint }
  }
  const transferCircuit = await loadCircuit(KEY_TRANSFER_CIRCUIT)
  const anchor = { manifestCidHash: keccak256(toUtf8Bytes(cid)), keyCommitment, statsDigest }
  const settleOrder = async (opened: Awaited<ReturnType<typeof openOrder>>) => {
    const encrypted = await encryptKeyForBuyer(dataKey, buyerKey.publicKey, opened.nonce)
    const { proof } = await generateProof(transferCircuit, encrypted.input)
    const flat = proofToCalldata(proof)
    const [cipherHi, cipherLo] = encrypted.ciphertext
    return gas(escrow(seller).settle(opened.order, flat, encrypted.ephemeralPublicKey, cipherHi, cipherLo, anchor))
  }
  const firstOrder = await openOrder(buyerA)
  const typicalOrder = await openOrder(buyerB)
  const refundOrder = await openOrder(buyerC)
  const settleFirst = await settleOrder(firstOrder)
  const settleTypical = await settleOrder(typicalOrder)
  const settleRenewal = await settleOrder(await openOrder(buyerA))
  await provider.send('evm_increaseTime', [86_400])
  await provider.send('evm_mine', [])
  const refund = await gas(escrow(buyerC).refund(refundOrder.order))

  // Stream orders: a native stream of 1 h windows sold by 2 h periods, windows 0 and 1 attached
  // (datasets 6 and 7, anchoring the same key commitment); a one-period order covers both.
  await gas(
    market(seller).createStream(0n, 3_600n, 7_200n, '0x0000000000000000000000000000000000000000', 10n ** 16n, [device.deviceId], []),
  )
  const streamId = 1n
  await provider.send('evm_increaseTime', [3_601])
  await provider.send('evm_mine', [])
  for (const [w, id] of [
    [0n, 6n],
    [1n, 7n],
  ] as const) {
    await gas(datasets.publish(cid, root, keyCommitment, 9100, statsDigest, [device.deviceId], 0n, verifierSlotOf(CIRCUIT)))
    await gas(market(seller).attachWindow(streamId, w, id))
  }
  const openStreamOrder = async (b: NonceManager) => {
    const receipt = (await (await escrow(b).openStream(streamId, 0n, 1n, 10n ** 16n, buyerKey.publicKey, { value: 10n ** 16n })).wait())!
    const opened = receipt.logs.map((l) => escrow(b).interface.parseLog(l)).find((l) => l?.name === 'StreamOrderOpened')!
    const order = (opened.args.order as Result).toObject() as Parameters<KeyEscrow['refundWindows']>[0]
    return { order, id: opened.args.orderId as bigint, gasUsed: Number(receipt.gasUsed) }
  }
  const settleWindow = async (opened: Awaited<ReturnType<typeof openStreamOrder>>, w: bigint) => {
    const nonce = await escrow(seller).windowNonce(opened.id, w)
    const encrypted = await encryptKeyForBuyer(dataKey, buyerKey.publicKey, nonce)
    const { proof } = await generateProof(transferCircuit, encrypted.input)
    const [cipherHi, cipherLo] = encrypted.ciphertext
    return gas(
      escrow(seller).settleWindow(opened.order, w, proofToCalldata(proof), encrypted.ephemeralPublicKey, cipherHi, cipherLo, anchor),
    )
  }
  // A 1,000-period order (2,000 windows) refunded at once: the cost per window of a large refund.
  const bigReceipt = (await (
    await escrow(buyerC).openStream(streamId, 0n, 1_000n, 10n ** 16n, buyerKey.publicKey, { value: 1_000n * 10n ** 16n })
  ).wait())!
  const bigOpened = bigReceipt.logs.map((l) => escrow(buyerC).interface.parseLog(l)).find((l) => l?.name === 'StreamOrderOpened')!
  const bigOrder = (bigOpened.args.order as Result).toObject() as Parameters<KeyEscrow['refundWindows']>[0]
  const firstStreamOrder = await openStreamOrder(buyerA)
  const typicalStreamOrder = await openStreamOrder(buyerB)
  const refundStreamOrder = await openStreamOrder(buyerC)
  const settleWindowFirst = await settleWindow(firstStreamOrder, 0n)
  const settleWindowTypical = await settleWindow(typicalStreamOrder, 0n)
  await provider.send('evm_increaseTime', [86_400 + 3_600])
  await provider.send('evm_mine', [])
  const refundWindows = await gas(escrow(buyerC).refundWindows(refundStreamOrder.order, 0n, 2n))
  await provider.send('evm_increaseTime', [2_000 * 3_600])
  await provider.send('evm_mine', [])
  const refundBig = await gas(escrow(buyerC).refundWindows(bigOrder, 0n, 2_000n))
  await releaseProverThreads()
  console.log(
    JSON.stringify({
      bench: 'gas',
      register_device: registerDevice,
      publish_1_device: publishOne,
      publish_1_device_first: publishFirst,
      list,
      buy_native: buyNative,
      buy_native_first: buyFirst,
      buy_erc20: buyErc20,
      withdraw,
      verify_batch: verifyBatch,
      verify_batch_merkle_depth: siblings.length,
      verify_batch_depth_0: verifyBatchAlone,
      verify_batch_per_level: Math.round((verifyBatch - verifyBatchAlone) / siblings.length),
      verify_batch_honk: verifyBatchHonk,
      honk_proof_bytes: (honkBatch.proof.length - 2) / 2,
      escrow_open: typicalOrder.gasUsed,
      escrow_settle: settleTypical,
      escrow_settle_first: settleFirst,
      escrow_settle_renewal: settleRenewal,
      escrow_refund: refund,
      escrow_open_stream: typicalStreamOrder.gasUsed,
      escrow_settle_window: settleWindowTypical,
      escrow_settle_window_first: settleWindowFirst,
      escrow_refund_windows_2: refundWindows,
      escrow_refund_per_window_2000: Math.round(refundBig / 2_000),
      goals: {
        publish_1_device: 150_000,
        buy: 120_000,
        verify_batch: 300_000,
        escrow_open: 120_000,
        escrow_settle: 350_000,
        escrow_refund: 60_000,
      },
    }),
  )
} finally {
  provider.destroy()
  await anvil.stop()
  await rm(dir, { recursive: true, force: true })
}
process.exit(0)
