import { loadCircuitVerificationKey } from '../circuits/node.js'
import type { AssayConfig } from '../core/index.js'
import { auditDataset, type AuditReport } from '../sdk/index.js'
import { readPlaintextDir } from '../sdk/node.js'
import { readFileFromCar } from '../storage/node.js'
import { recomputeQuality } from './recompute-quality.js'
import { withDataset } from './wallet.js'

/**
 * `assay verify ID`: the auditor's one command. Every check of auditDataset, from the chain and
 * IPFS only (the node is used as a gateway whose answers are all checked); exit code 0 only when
 * every check passes.
 */
export async function verifyCommand(
  id: string,
  config: AssayConfig,
  o: { node: string; plaintext?: string; json?: boolean },
  io: { out: (s: string) => void } = { out: (s) => console.log(s) },
): Promise<AuditReport> {
  return withDataset(id, config, o.node, async (datasetId, client, chain) => {
    const report = await auditDataset({
      client,
      chain: chain.reader,
      provider: chain.provider,
      deployment: chain.deployment,
      verificationKey: (circuitId) => loadCircuitVerificationKey(circuitId),
      // Blocks wait on disk, so a large dataset's ciphertext never sits in memory.
      readFile: readFileFromCar,
      datasetId,
      ...(o.plaintext !== undefined ? { plaintext: await readPlaintextDir(o.plaintext), recomputeQuality } : {}),
      onProgress: o.json === true ? undefined : (c) => io.out(`${c.ok ? '✓' : '✗'} ${c.name}: ${c.detail}`),
    })
    if (o.json === true) io.out(JSON.stringify({ ...report, manifest: undefined }))
    else
      io.out(
        report.ok ? `dataset #${id}: every check passed` : `dataset #${id}: ${report.checks.filter((c) => !c.ok).length} check(s) FAILED`,
      )
    return report
  })
}
