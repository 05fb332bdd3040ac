import type { AssayConfig } from '../core/index.js'
import { contentProviders } from '../sdk/index.js'
import { downloadDataset, type DownloadResult } from '../sdk/node.js'
import { readBuyerKeyFile } from './hex-key-file.js'
import { retryWhenNodeReturns } from './retry-when-node-returns.js'
import { buyerWallet, withDataset } from './wallet.js'

/** Where a download's key came from: an escrow settlement on the chain, or the node's key release. */
export type KeySource = 'escrow' | 'node'

/**
 * `assay download ID --out DIR`: takes the key from the buyer's latest escrow settlement for the
 * dataset when there is one (trustless delivery: from the chain alone), else requests it from the
 * node; downloads, decrypts, and re-verifies every commitment; fails with a named error (and leaves
 * nothing behind) if anything differs. The content comes from the first of the dataset's providers
 * that serves it (GET /datasets/:id `providers`). A node that goes away midway is waited for, and
 * the download starts again once it is back.
 */
export async function downloadCommand(
  id: string,
  config: AssayConfig,
  o: { node: string; out: string; devAccount?: number; buyerKeyFile?: string; json?: boolean; giveUpAfterMs?: number },
  io: { out: (s: string) => void; err?: (s: string) => void } = { out: (s) => console.log(s) },
): Promise<DownloadResult & { keySource: KeySource }> {
  const buyerKey = await readBuyerKeyFile(o.buyerKeyFile)
  // downloadDataset removes what it wrote when anything fails (the archive keeps a .partial name
  // until the last check), so a download cut short leaves no file that looks complete and can
  // start again from the beginning.
  const download = (): Promise<DownloadResult & { keySource: KeySource }> =>
    withDataset(id, config, o.node, async (datasetId, client, chain) => {
      const signer = buyerWallet(config, chain, o.devAccount)
      const key = await client.trustlessKey(signer, datasetId, { buyerKey })
      // The content from whichever of the dataset's providers answers: the node's list (itself
      // first when it holds the dataset, then the nodes it mirrored it from), then the node.
      const page = await client.get(datasetId)
      const result = await downloadDataset({
        client,
        chain: chain.reader,
        signer,
        datasetId,
        manifestCid: page.manifestCid,
        providers: contentProviders(page.providers, o.node),
        outDir: o.out,
        ...(key !== undefined ? { key } : {}),
      })
      return { ...result, keySource: key !== undefined ? 'escrow' : 'node' }
    })
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
        keySource: result.keySource,
      }),
    )
  else
    io.out(
      `#${id}: ${result.readings} readings decrypted to ${o.out} with the key ${result.keySource === 'escrow' ? 'from your escrow settlement on chain' : 'the node released'}; ` +
        `all ${result.batches} batch commitments and the anchored root verified (${result.files.length} files)`,
    )
  return result
}
