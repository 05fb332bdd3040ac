import type { AssayConfig } from '../core/index.js'
import { downloadDataset, type DownloadResult } from '../sdk/node.js'
import { buyerWallet, withDataset } from './wallet.js'

/**
 * `assay download ID --out DIR`: requests the key, downloads, decrypts, and re-verifies every
 * commitment; fails with a named error (and leaves nothing behind) if anything differs.
 */
export async function downloadCommand(
  id: string,
  config: AssayConfig,
  o: { node: string; out: string; devAccount?: number; json?: boolean },
  io: { out: (s: string) => void } = { out: (s) => console.log(s) },
): Promise<DownloadResult> {
  return withDataset(id, config, o.node, async (datasetId, client, chain) => {
    const result = await downloadDataset({
      client,
      chain: chain.reader,
      signer: buyerWallet(config, chain, o.devAccount),
      datasetId,
      outDir: o.out,
    })
    if (o.json === true)
      io.out(
        JSON.stringify({
          datasetId: id,
          manifestCid: result.manifestCid,
          archive: result.archive,
          files: result.files,
          batches: result.batches,
          readings: result.readings,
        }),
      )
    else
      io.out(
        `#${id}: ${result.readings} readings decrypted to ${o.out}; all ${result.batches} batch commitments and the anchored root verified (${result.files.length} files)`,
      )
    return result
  })
}
