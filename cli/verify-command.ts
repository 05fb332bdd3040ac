import { loadCircuitVerificationKey } from '../circuits/node.js'
import { ConfigError, type AssayConfig } from '../core/index.js'
import { createAssayClient } from '../sdk/index.js'
import { auditDataset, readPlaintextDir, type AuditReport } from '../sdk/node.js'
import { recomputeQuality } from './recompute-quality.js'
import { connectChain } from './wallet.js'

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
  if (!/^[1-9]\d*$/.test(id)) throw new ConfigError('ID', 'must be a dataset id')
  const client = createAssayClient({ node: o.node })
  const chain = await connectChain(config, client)
  try {
    const report = await auditDataset({
      client,
      chain: chain.reader,
      provider: chain.provider,
      deployment: chain.deployment,
      verificationKey: (circuitId) => loadCircuitVerificationKey(circuitId),
      datasetId: BigInt(id),
      ...(o.plaintext !== undefined ? { plaintext: await readPlaintextDir(o.plaintext), recomputeQuality } : {}),
      onProgress: o.json === true ? undefined : (c) => io.out(`${c.ok ? '✓' : '✗'} ${c.name}: ${c.detail}`),
    })
    if (o.json === true) io.out(JSON.stringify({ ...report, manifest: undefined }))
    else
      io.out(
        report.ok ? `dataset #${id}: every check passed` : `dataset #${id}: ${report.checks.filter((c) => !c.ok).length} check(s) FAILED`,
      )
    return report
  } finally {
    chain.close()
  }
}
