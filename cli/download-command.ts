import type { AssayConfig } from '../core/index.js'
import { downloadDataset, type DownloadResult } from '../sdk/node.js'
import { retryWhenNodeReturns } from './retry-when-node-returns.js'
import { buyerWallet, withDataset } from './wallet.js'

/**
 * `assay download ID --out DIR`: requests the key, downloads, decrypts, and re-verifies every
 * commitment; fails with a named error (and leaves nothing behind) if anything differs. A node that
 * goes away midway is waited for, and the download starts again once it is back.
 */
export async function downloadCommand(
  id: string,
  config: AssayConfig,
  o: { node: string; out: string; devAccount?: number; json?: boolean; giveUpAfterMs?: number },
  io: { out: (s: string) => void; err?: (s: string) => void } = { out: (s) => console.log(s) },
): Promise<DownloadResult> {
  // downloadDataset removes what it wrote when anything fails (the archive keeps a .partial name
  // until the last check), so a download cut short leaves no file that looks complete and can
  // start again from the beginning.
  const download = (): Promise<DownloadResult> =>
    withDataset(id, config, o.node, (datasetId, client, chain) =>
      downloadDataset({ client, chain: chain.reader, signer: buyerWallet(config, chain, o.devAccount), datasetId, outDir: o.out }),
    )
  const result = await retryWhenNodeReturns(o.node, download, {
    io: { err: io.err ?? ((s) => console.error(s)) },
    what: `downloading dataset ${id}`,
    ...(o.giveUpAfterMs !== undefined ? { giveUpAfterMs: o.giveUpAfterMs } : {}),
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
}
