import { code as DAG_PB_CODE, decode as decodeDagPb } from '@ipld/dag-pb'
import { CID } from 'multiformats/cid'
import { identity } from 'multiformats/hashes/identity'
import { checkBlock } from './check-block.js'
import { ContentCorruptedError } from './errors.js'

const RAW_CODE = 0x55

/** Checks the blocks of one DAG as they arrive from an untrusted source (a CAR from a gateway). */
export interface DagVerifier {
  /**
   * Checks one block against its CID and takes its links. True when it is new; false for a block
   * seen before (a duplicate, to skip). A block the DAG does not reach (yet: parents come first)
   * is refused. @throws {ContentCorruptedError} naming the block
   */
  add(cid: CID, bytes: Uint8Array): Promise<boolean>
  /** After the last block: every block the root reaches arrived. @throws {ContentCorruptedError} naming the root */
  end(): void
}

export interface DagVerifierOptions {
  /**
   * CIDs (as `toV1().toString()`) of blocks already checked, with the whole DAG under each (an
   * earlier root's): not asked for again, skipped when sent again. New blocks are added to it.
   */
  seen?: Set<string>
}

const keyOf = (cid: CID): string => cid.toV1().toString()

/** The CIDs a block links to: dag-pb links; raw blocks have none. @throws {ContentCorruptedError} */
function linksOf(cid: CID, bytes: Uint8Array): CID[] {
  if (cid.code === RAW_CODE) return []
  if (cid.code !== DAG_PB_CODE)
    throw new ContentCorruptedError(cid.toString(), `codec 0x${cid.code.toString(16)} is not one Assay stores (raw, dag-pb)`)
  try {
    // @ipld/dag-pb may carry its own copy of multiformats: take its CIDs as ours.
    return decodeDagPb(bytes).Links.map((l) => CID.decode(l.Hash.bytes))
  } catch (err) {
    throw new ContentCorruptedError(cid.toString(), `not a dag-pb block: ${err instanceof Error ? err.message : String(err)}`)
  }
}

/**
 * A verifier of the DAG under `root`, for blocks in an order where a block comes after one that
 * links to it (depth- or breadth-first, as gateways send CARs). It keeps one CID per block
 * (seen and wanted), never the blocks: memory grows with the block count, not the bytes.
 * Browser-safe.
 */
export function createDagVerifier(root: CID, options: DagVerifierOptions = {}): DagVerifier {
  const seen = options.seen ?? new Set<string>()
  const wanted = new Set<string>()
  const rootKey = keyOf(root)
  if (!seen.has(rootKey)) wanted.add(rootKey)
  return {
    async add(cid, bytes) {
      const key = keyOf(cid)
      if (seen.has(key)) return false
      // An identity CID's block is the CID itself: nothing to keep.
      if (cid.multihash.code === identity.code) {
        await checkBlock(cid, bytes)
        return false
      }
      if (!wanted.has(key))
        throw new ContentCorruptedError(cid.toString(), `is not a block of ${root.toString()} (or came before the block linking to it)`)
      await checkBlock(cid, bytes)
      for (const link of linksOf(cid, bytes)) {
        const linked = keyOf(link)
        // Identity CIDs hold their bytes themselves: no block to ask for.
        if (link.multihash.code !== identity.code && !seen.has(linked)) wanted.add(linked)
      }
      wanted.delete(key)
      seen.add(key)
      return true
    },
    end() {
      if (wanted.size === 0) return
      const first = [...wanted][0]!
      throw new ContentCorruptedError(
        root.toString(),
        wanted.has(rootKey) ? 'the root block never came' : `${wanted.size} block(s) of the DAG never came (e.g. ${first})`,
      )
    },
  }
}
