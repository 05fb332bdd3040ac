import { setupOfRecord } from '../circuits/index.js'
import { loadCircuitVerificationKey, releaseProverThreads, verifyCeremonyAgainstRecord } from '../circuits/node.js'
import type { AssayConfig } from '../core/index.js'
import type { ChainClient } from '../contracts/index.js'
import { auditDataset, fetchAnchoredSetupRecord, type AssayClient, type AuditCheck, type AuditReport } from '../sdk/index.js'
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

/** The setup check: the anchored record of the dataset's verifier slot against a ceremony directory. */
async function setupCheck(
  datasetId: bigint,
  report: AuditReport,
  client: AssayClient,
  chain: ChainClient,
  o: { dir: string; ptau?: string },
): Promise<AuditCheck> {
  const check = (ok: boolean, detail: string): AuditCheck => ({ name: 'setup', ok, detail })
  if (report.manifest === undefined) return check(false, 'no verified manifest names a circuit')
  try {
    const slot = (await chain.datasetOf(datasetId)).circuit
    const { record, cid } = await fetchAnchoredSetupRecord(client, chain, slot, report.manifest.proofs.circuitId)
    const setup = setupOfRecord(record)
    // A development record has no transcript: nothing in a ceremony directory can vouch for it.
    if (setup.warning !== undefined) return check(false, `setup record ${cid}: ${setup.warning} (no ceremony transcript to check)`)
    const transcript = await verifyCeremonyAgainstRecord(o.dir, record, o.ptau !== undefined ? { ptau: o.ptau } : {}).finally(
      releaseProverThreads,
    )
    return check(
      true,
      `setup record ${cid}: ceremony on ${transcript.ptau.ceremony} (2^${transcript.ptau.power}), ` +
        `${transcript.contributions.length} contribution(s) (${transcript.contributions.map((c) => c.name).join(', ')}) and the beacon, every one verified`,
    )
  } catch (err) {
    return check(false, `${(err as Error).name}: ${(err as Error).message}`)
  }
}
