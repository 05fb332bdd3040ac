import { Interface, ZeroAddress, type Provider } from 'ethers'
import { CID } from 'multiformats/cid'
import {
  honkProofBytes,
  parseProofBundle,
  proofSystemOf,
  proveBatchInclusion,
  proofKeyOf,
  verifyDatasetProofs,
  withSetupWarning,
  type DatasetProofsCheck,
  type CircuitSetup,
  type HonkBundleProof,
  type Curve,
  type ProofBundle,
  type SeriesTotals,
  type VerificationKey,
} from '../circuits/index.js'
import { parseManifest, type Manifest } from '../core/index.js'
import { computeAnchor, datasetRegistryAbi, statsDigestOf, type ChainClient, type Deployment } from '../contracts/index.js'
import { readCarFile } from '../storage/index.js'
import type { AssayClient } from './assay-client.js'
import { fetchAnchoredSetupRecord } from './fetch-anchored-setup-record.js'
import { readJsonByCid } from './read-json-by-cid.js'
import { verifyPlaintext, type PlaintextArchive } from './verify-plaintext.js'

export interface AuditCheck {
  name: string
  ok: boolean
  detail: string
}

export interface AuditReport {
  datasetId: string
  manifestCid?: string
  ok: boolean
  checks: AuditCheck[]
  /** Set when the manifest could be read: what the audit was about. */
  manifest?: Manifest
  /**
   * Set when the proofs verified: the setup of their circuit. With `setup.warning` anyone could
   * have made them, so the proofs check's detail carries the warning too.
   */
  setup?: CircuitSetup
}

export interface AuditOptions {
  client: AssayClient
  chain: Pick<ChainClient, 'datasetOf' | 'deviceOf' | 'verifyBatch' | 'setupRecordOf' | 'honkVerify'>
  provider: Provider
  deployment: Pick<Deployment, 'contracts' | 'startBlock'>
  /**
   * A circuit's verification key and sha256, from the artifacts the committed manifest pins; it
   * must be the key of the setup record anchored with the dataset's verifier.
   */
  verificationKey(circuitId: string): Promise<{ vkey: VerificationKey; vkeyHash: string }>
  datasetId: bigint
  /** Batches whose proof the verifier contract re-checks on-chain (default 3: first, middle, last). */
  onChainSample?: number
  /** The decrypted archive, when the auditor has it: its commitments are rebuilt too. */
  plaintext?: PlaintextArchive
  /**
   * Recomputes the quality score from the plaintext and the proven totals (the CLI passes the
   * pipelines' scorer); compared with the anchored score.
   */
  recomputeQuality?: (archive: PlaintextArchive, manifest: Manifest, proven: SeriesTotals[]) => number
  onProgress?: (check: AuditCheck) => void
  /** Batch proofs verified so far, for a progress bar. */
  onProofProgress?: (done: number, total: number) => void
  /**
   * The bn128 curve batch proofs are verified on (default: single-threaded, as in browsers); a Node
   * auditor may pass threadedVerifierCurve (circuits/node.ts) to use every core. Only speed depends on it.
   */
  proofCurve?: () => Promise<Curve>
  /**
   * Reads a file out of a CAR, checking every block (default: storage's readCarFile, blocks in
   * memory; the CLI passes the reader that keeps them on disk).
   */
  readFile?: (car: AsyncIterable<Uint8Array>, root: CID) => AsyncIterable<Uint8Array>
}

const registry = new Interface(datasetRegistryAbi)

/**
 * The auditor's bundle: every claim of a dataset checked from public data, trusting only the
 * chain, content addressing and the committed circuit artifacts. Collects every check's verdict;
 * `ok` only when all pass.
 */
export async function auditDataset(o: AuditOptions): Promise<AuditReport> {
  const readFile = o.readFile ?? readCarFile
  const checks: AuditCheck[] = []
  const report: AuditReport = { datasetId: o.datasetId.toString(), ok: false, checks }
  const check = async (name: string, fn: () => Promise<string> | string): Promise<boolean> => {
    let result: AuditCheck
    try {
      result = { name, ok: true, detail: await fn() }
    } catch (err) {
      result = { name, ok: false, detail: `${(err as Error).name}: ${(err as Error).message}` }
    }
    checks.push(result)
    o.onProgress?.(result)
    return result.ok
  }
  const fail = (message: string, cause?: unknown): never => {
    throw Object.assign(new Error(message, cause !== undefined ? { cause } : {}), { name: 'CheckFailed' })
  }

  // 1. The anchor and its event.
  let event: { owner: string; manifestCid: string; deviceIds: bigint[]; block: number; txHash: string } | undefined
  let record: Awaited<ReturnType<AuditOptions['chain']['datasetOf']>> | undefined
  const anchored = await check('anchor', async () => {
    record = await o.chain.datasetOf(o.datasetId)
    const logs = await o.provider.getLogs({
      address: o.deployment.contracts.datasetRegistry,
      topics: registry.encodeFilterTopics('DatasetPublished', [o.datasetId]),
      fromBlock: o.deployment.startBlock,
    })
    const parsed = logs.length === 1 ? registry.parseLog(logs[0]!) : null
    if (parsed === null) fail(`expected one DatasetPublished event, found ${logs.length}`)
    const a = parsed!.args
    event = {
      owner: a.getValue('owner') as string,
      manifestCid: a.getValue('manifestCid') as string,
      deviceIds: [...(a.getValue('deviceIds') as bigint[])],
      block: logs[0]!.blockNumber,
      txHash: logs[0]!.transactionHash,
    }
    return `anchored by ${event.owner} in block ${event.block} (tx ${event.txHash}); root ${record.root}`
  })
  if (!anchored || event === undefined || record === undefined) return report
  report.manifestCid = event.manifestCid

  // 2. The manifest: by CID, schema, and the anchor's keccak over (CID, key commitment, stats digest).
  let manifest: Manifest | undefined
  const manifestOk = await check('manifest', async () => {
    manifest = parseManifest(await readJsonByCid(o.client, CID.parse(event!.manifestCid), readFile))
    const anchor = computeAnchor(event!.manifestCid, BigInt(manifest.encryption.keyCommitment), statsDigestOf(manifest.stats))
    if (anchor !== record!.anchor) fail('the anchor does not match this manifest’s CID, key commitment and stats')
    if (BigInt(manifest.commitments.root) !== record!.root) fail('the manifest’s root is not the anchored root')
    if (manifest.owner.toLowerCase() !== event!.owner.toLowerCase()) fail('the manifest names another owner')
    return `${event!.manifestCid}: schema v${manifest.version} valid, anchor and root match`
  })
  if (!manifestOk || manifest === undefined) return report
  report.manifest = manifest
  const m = manifest

  // 3. Every CID reachable and matching.
  await check('content', async () => {
    let bytes = 0
    for await (const chunk of readFile(await o.client.car(CID.parse(m.content.ciphertextCid)), CID.parse(m.content.ciphertextCid)))
      bytes += chunk.length
    const images: Array<[string, string]> = []
    if (m.previewCid !== undefined) images.push(['preview', m.previewCid])
    if (m.thumbnailCid !== undefined) images.push(['thumbnail', m.thumbnailCid])
    for (const cid of [m.quality.reportCid, ...images.map(([, c]) => c)])
      for await (const _ of readFile(await o.client.car(CID.parse(cid)), CID.parse(cid)));
    const named = ['quality report', ...images.map(([what]) => what)]
    return `ciphertext ${bytes} bytes, ${named.slice(0, -1).join(', ')}${named.length > 1 ? ' and ' : ''}${named.at(-1)!}: every block matches its CID`
  })

  // 4. Proofs: the bundle, its verification key against the artifact manifest, every batch.
  let bundle: ProofBundle | undefined
  let proven: Extract<DatasetProofsCheck, { ok: true }> | undefined
  await check('proofs', async () => {
    bundle = parseProofBundle(await readJsonByCid(o.client, CID.parse(m.proofs.bundleCid), readFile))
    const { vkey, honkKey, vkeyHash } = await proofKeyOf(m.proofs.circuitId, (id) => o.verificationKey(id))
    const setup = await fetchAnchoredSetupRecord(o.client, o.chain, record!.circuit, m.proofs.circuitId)
    const slot = record!.circuit
    const result = await verifyDatasetProofs(m, bundle, {
      ...(vkey !== undefined ? { vkey } : {}),
      // UltraHonk proofs: here, by the TypeScript verifier with the committed key.
      ...(honkKey !== undefined ? { honkKey } : {}),
      vkeyHash,
      setupRecord: setup.record,
      anchoredRoot: record!.root,
      ...(o.onProofProgress !== undefined ? { onProgress: o.onProofProgress } : {}),
      ...(o.proofCurve !== undefined ? { curve: o.proofCurve } : {}),
    })
    if (!result.ok) return fail(result.error.message, result.error)
    proven = result
    report.setup = result.setup
    // Proofs of a retired circuit verify, yet may state what the data does not hold: not a pass.
    if (result.knownFlaw !== undefined)
      fail(
        `${bundle.batches.length} batch proofs verify, but with circuit ${m.proofs.circuitId}, which has a known soundness flaw: ${result.knownFlaw}`,
      )
    const valid =
      vkey === undefined
        ? `${bundle.batches.length} UltraHonk batch proofs valid (${m.proofs.circuitId}, key ${vkeyHash.slice(0, 12)}… as setup record ${setup.cid.slice(0, 16)}… anchored with its verifier in slot ${slot} says; each verified here by the TypeScript UltraHonk verifier with that key); commitments rebuild the anchored root`
        : `${bundle.batches.length} batch proofs valid (${m.proofs.circuitId}, vkey ${vkeyHash.slice(0, 12)}…, the key of setup record ${setup.cid.slice(0, 16)}… anchored with its verifier); commitments rebuild the anchored root`
    // The proofs do verify, so the check passes; but never without saying who could have forged them.
    return withSetupWarning(valid, result.setup)
  })

  // 5. The statistics the manifest states are what the proofs output.
  await check('stats', () => {
    if (proven === undefined) return fail('no verified proofs to compare with')
    const wrong = proven.misstated
    if (wrong !== undefined)
      fail(`series ${wrong.series} (${m.series[wrong.series]?.metric}): the stated ${wrong.field} is not what the proofs output`)
    return `${m.stats.length} series: count, mean, variance, min, max, in-range share, time span and largest gap as proven`
  })

  // 6. The verifier contract's own answer for a sample of batches.
  await check('on-chain verifier', async () => {
    if (bundle === undefined) fail('no proof bundle')
    const n = bundle!.batches.length
    // The first, one the publisher cannot predict, and the last.
    const unpredictable = n > 0 ? crypto.getRandomValues(new Uint32Array(1))[0]! % n : 0
    const sample = [...new Set([0, unpredictable, n - 1].slice(0, o.onChainSample ?? 3))].sort((a, b) => a - b)
    const commitments = m.commitments.batches.map(BigInt)
    // The proofs were verified off-chain with the committed key; an UltraHonk slot's verifier, which
    // verifyBatch runs, must also be the committed contract (honkVerify matches its code against the
    // fingerprints) and agree on the batch the publisher cannot predict.
    const honk = proofSystemOf(m.proofs.circuitId) === 'ultrahonk'
    const drawn = bundle!.batches[unpredictable]
    if (honk && drawn !== undefined) {
      const slot = record!.circuit
      if (!(await o.chain.honkVerify(slot, honkProofBytes(drawn.proof as HonkBundleProof), drawn.publicSignals)))
        fail(`the verifier installed in slot ${slot} rejects batch ${unpredictable}, which the committed UltraHonk key accepts`)
    }
    for (const i of sample) {
      const b = bundle!.batches[i]!
      // The path's index has one bit per real sibling (LeanIMT skips levels without one).
      const { siblings, index } = await proveBatchInclusion(commitments, i)
      await o.chain.verifyBatch(o.datasetId, b.proof, b.publicSignals, siblings, index)
    }
    return `DatasetRegistry.verifyBatch accepts batches ${sample.join(', ')} against the anchored root${honk ? ', by the committed UltraHonk verifier contract' : ''}`
  })

  // 7. Devices: the anchored ones, registered before publishing and not revoked by then.
  await check('devices', async () => {
    const listed = m.devices.map((d) => d.deviceId).sort()
    const onChain = event!.deviceIds.map(String).sort()
    if (JSON.stringify(listed) !== JSON.stringify(onChain)) fail('the manifest’s devices are not the anchored ones')
    const block = await o.provider.getBlock(event!.block)
    for (const d of m.devices) {
      const dev = await o.chain.deviceOf(BigInt(d.deviceId))
      if (dev.owner === ZeroAddress) fail(`device ${d.label ?? d.deviceId} is not registered`)
      if (dev.registeredAt > BigInt(block!.timestamp)) fail(`device ${d.label ?? d.deviceId} was registered after publishing`)
      if (dev.revokedAt !== 0n && dev.revokedAt <= BigInt(block!.timestamp))
        fail(`device ${d.label ?? d.deviceId} was revoked before publishing`)
    }
    const signers = m.devices.map((d) => `${d.label ?? d.deviceId.slice(0, 10)}${d.gateway ? ' (gateway)' : ''}`)
    return `${m.devices.length} device(s) registered and unrevoked at publish time: ${signers.join(', ')}`
  })

  // 8. Quality: the report is the anchored one.
  await check('quality', async () => {
    const q = (await readJsonByCid(o.client, CID.parse(m.quality.reportCid), readFile)) as { score?: number }
    if (q.score !== m.quality.score) fail(`the report scores ${q.score}, the manifest ${m.quality.score}`)
    if (Math.round(m.quality.score * 100) !== record!.qualityScore)
      fail(`anchored score ${record!.qualityScore / 100} differs from the manifest's ${m.quality.score}`)
    return `score ${m.quality.score} (report ${m.quality.reportCid.slice(0, 14)}…) as anchored`
  })

  // 9. The plaintext, when given.
  if (o.plaintext !== undefined) {
    await check('plaintext', async () => {
      const r = await verifyPlaintext(o.plaintext!, m)
      return `${r.readings} readings rebuild all ${r.batches} batch commitments and the root`
    })
    if (o.recomputeQuality !== undefined) {
      await check('quality (recomputed)', () => {
        if (proven === undefined) return fail('no verified proofs to take validity and gaps from')
        const score = o.recomputeQuality!(o.plaintext!, m, proven.verdict.series)
        if (Math.abs(score - m.quality.score) > 0.01) fail(`recomputed ${score}, anchored ${m.quality.score}`)
        return `recomputed from the plaintext: ${score}, as anchored`
      })
    }
  }
  report.ok = checks.every((c) => c.ok)
  return report
}
