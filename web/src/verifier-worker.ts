// The verifier worker: checks a dataset's proofs, or runs the whole audit, from the chain and
// content addressing only (the node is just a gateway whose answers are all checked).
import './buffer-global.js'
import { JsonRpcProvider } from 'ethers'
import { CID } from 'multiformats/cid'
import { serializeError } from '../../core/index.js'
import {
  ceremonyFileInMemory,
  ceremonyFilesInMemory,
  parseProofBundle,
  proofKeyOf,
  provenBatchSummaries,
  verifyDatasetProofs,
} from '../../circuits/index.js'
import { createChainClient } from '../../contracts/index.js'
import { auditDataset, checkSetupTranscript, createAssayClient, fetchAnchoredSetupRecord, readJsonByCid } from '../../sdk/index.js'
import type { ProofsResult, VerifierMessage, VerifierTask } from './verifier-protocol.js'

const post = (message: VerifierMessage): void => self.postMessage(message)

async function connect(task: VerifierTask) {
  const client = createAssayClient({ node: task.node })
  const deployment = await client.deployment()
  const provider = new JsonRpcProvider(task.rpcUrl, deployment.chainId, { staticNetwork: true })
  return { client, deployment, provider, chain: createChainClient(provider, deployment) }
}

async function checkProofs(task: VerifierTask): Promise<ProofsResult> {
  const { client, chain, provider } = await connect(task)
  try {
    const datasetId = BigInt(task.datasetId)
    const { manifest } = await client.verifiedManifest(datasetId, chain)
    const record = await chain.datasetOf(datasetId)
    const bundle = parseProofBundle(await readJsonByCid(client, CID.parse(manifest.proofs.bundleCid)))
    const { vkey, honkKey, vkeyHash } = await proofKeyOf(manifest.proofs.circuitId, (id) => client.verificationKey(id))
    // The key must be the one anchored with the dataset's verifier slot, whatever the node serves.
    const { record: setupRecord } = await fetchAnchoredSetupRecord(client, chain, record.circuit, manifest.proofs.circuitId)
    const started = performance.now()
    const result = await verifyDatasetProofs(manifest, bundle, {
      ...(vkey !== undefined ? { vkey } : {}),
      // UltraHonk proofs: in this worker, by the TypeScript verifier with the committed key.
      ...(honkKey !== undefined ? { honkKey } : {}),
      vkeyHash,
      setupRecord,
      anchoredRoot: record.root,
      onProgress: (done, total) => post({ type: 'progress', done, total }),
    })
    const seconds = (performance.now() - started) / 1000
    const base = { batches: bundle.batches.length, seconds, circuitId: manifest.proofs.circuitId }
    // A named error does not survive postMessage (structured clone keeps only a plain Error), so its message goes.
    if (!result.ok) return { ok: false, problem: result.error.message, ...base }
    return {
      ok: true,
      ...(result.misstated !== undefined ? { misstated: result.misstated } : {}),
      ...(result.knownFlaw !== undefined ? { knownFlaw: result.knownFlaw } : {}),
      ...(result.setup.warning !== undefined ? { setupWarning: result.setup.warning } : {}),
      // What each verified batch proof states, for the page's chart of the proven summary.
      summaries: provenBatchSummaries(manifest, bundle),
      ...base,
    }
  } finally {
    provider.destroy()
  }
}

async function audit(task: VerifierTask): Promise<Extract<VerifierMessage, { type: 'audit' }>['report']> {
  const { client, deployment, provider, chain } = await connect(task)
  try {
    const started = performance.now()
    const { manifest: _manifest, ...report } = await auditDataset({
      client,
      chain,
      provider,
      deployment,
      verificationKey: (circuitId) => client.verificationKey(circuitId),
      datasetId: BigInt(task.datasetId),
      onProgress: (check) => post({ type: 'check', check }),
      onProofProgress: (done, total) => post({ type: 'progress', done, total }),
    })
    return { ...report, seconds: (performance.now() - started) / 1000 }
  } finally {
    provider.destroy()
  }
}

/** The same setup check as `assay verify --setup`, over the picked files (read only when a check needs them). */
async function setup(task: Extract<VerifierTask, { type: 'setup' }>): Promise<Extract<VerifierMessage, { type: 'setup' }>> {
  const { client, chain, provider } = await connect(task)
  try {
    const started = performance.now()
    const datasetId = BigInt(task.datasetId)
    const { manifest } = await client.verifiedManifest(datasetId, chain)
    // A folder's files carry their path in webkitRelativePath; the transcript names them by file name.
    const files = new Map(task.files.map((f) => [f.name, f]))
    const check = await checkSetupTranscript({
      client,
      chain,
      datasetId,
      circuitId: manifest.proofs.circuitId,
      files: ceremonyFilesInMemory(files),
      ptau: () => ceremonyFileInMemory(task.ptau.name, task.ptau),
      where: 'the chosen folder',
    })
    return { type: 'setup', check, seconds: (performance.now() - started) / 1000 }
  } finally {
    provider.destroy()
  }
}

self.addEventListener('message', (event: MessageEvent<VerifierTask>) => {
  const task = event.data
  const run =
    task.type === 'proofs'
      ? checkProofs(task).then((result) => post({ type: 'proofs', result }))
      : task.type === 'audit'
        ? audit(task).then((report) => post({ type: 'audit', report }))
        : setup(task).then(post)
  run.catch((err: unknown) => post({ type: 'error', error: serializeError(err) }))
})
