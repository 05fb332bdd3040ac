import {
  ceremonyDirectory,
  ceremonyFileOnDisk,
  loadCircuitVerificationKey,
  releaseProverThreads,
  threadedVerifierCurve,
} from '../circuits/node.js'
import type { AssayConfig } from '../core/index.js'
import type { ChainClient } from '../contracts/index.js'
import { auditDataset, checkSetupTranscript, type AssayClient, type AuditCheck, type AuditReport } from '../sdk/index.js'
import { readPlaintextDir } from '../sdk/node.js'
import { readFileFromCar } from '../storage/node.js'
import { recomputeQuality } from './recompute-quality.js'
import { withDataset } from './wallet.js'

/**
 * `assay verify ID`: the auditor's one command. Every check of auditDataset, from the chain and
 * IPFS only (the node is used as a gateway whose answers are all checked); exit code 0 only when
 * every check passes. With `setup` (a ceremony directory, as contributors pass it on), also the
 * setup end to end: every contribution verifies, and the ceremony is the one the setup record
 * anchored with the dataset's verifier describes.
 */
export async function verifyCommand(
  id: string,
  config: AssayConfig,
  o: { node: string; plaintext?: string; json?: boolean; setup?: string; ptau?: string },
  io: { out: (s: string) => void } = { out: (s) => console.log(s) },
): Promise<AuditReport> {
  return withDataset(id, config, o.node, async (datasetId, client, chain) => {
    const report = await auditDataset({
      client,
      chain: chain.reader,
      provider: chain.provider,
      deployment: chain.deployment,
      verificationKey: (circuitId) => loadCircuitVerificationKey(circuitId),
      // Batch proofs on every core; the threads end with the command (releaseProverThreads).
      proofCurve: threadedVerifierCurve,
      // Blocks wait on disk, so a large dataset's ciphertext never sits in memory.
      readFile: readFileFromCar,
      datasetId,
      ...(o.plaintext !== undefined ? { plaintext: await readPlaintextDir(o.plaintext), recomputeQuality } : {}),
      onProgress: o.json === true ? undefined : (c) => io.out(`${c.ok ? '✓' : '✗'} ${c.name}: ${c.detail}`),
    })
    if (o.setup !== undefined) {
      const check = await setupCheck(datasetId, report, client, chain.reader, {
        dir: o.setup,
        ...(o.ptau !== undefined ? { ptau: o.ptau } : {}),
      })
      report.checks.push(check)
      if (!check.ok) report.ok = false
      if (o.json !== true) io.out(`${check.ok ? '✓' : '✗'} ${check.name}: ${check.detail}`)
    }
    if (o.json === true) io.out(JSON.stringify({ ...report, manifest: undefined }))
    else
      io.out(
        report.ok ? `dataset #${id}: every check passed` : `dataset #${id}: ${report.checks.filter((c) => !c.ok).length} check(s) FAILED`,
      )
    return report
  })
}

/** The setup check on a ceremony directory on disk (the same check as the audit page's). */
async function setupCheck(
  datasetId: bigint,
  report: AuditReport,
  client: AssayClient,
  chain: ChainClient,
  o: { dir: string; ptau?: string },
): Promise<AuditCheck> {
  if (report.manifest === undefined) return { name: 'setup', ok: false, detail: 'no verified manifest names a circuit' }
  return checkSetupTranscript({
    client,
    chain,
    datasetId,
    circuitId: report.manifest.proofs.circuitId,
    files: ceremonyDirectory(o.dir),
    ptau: (t) => ceremonyFileOnDisk(o.ptau ?? t.ptau.path),
    where: o.dir,
  }).finally(releaseProverThreads)
}
