import { unixfs } from '@helia/unixfs'
import type { Blockstore } from 'interface-blockstore'
import { CID } from 'multiformats/cid'
import { datasetCids, ManifestValidationError, parseManifest, type Manifest } from '../../core/index.js'
import { computeAnchor, statsDigestOf } from '../../contracts/index.js'
import { concatBytes, envelopeSize, type ContentStore } from '../../storage/index.js'
import type { CarSource } from './gateway-source.js'
import { AnchorMismatchError, DatasetNotAnchoredError } from './mirror-errors.js'
import { receiveDag, type ReceiveDagComponents } from './receive-dag.js'

/** A dataset's anchor as the chain records it. */
export interface DatasetAnchor {
  /** The manifest CID DatasetPublished recorded. */
  manifestCid: string
  /** DatasetRegistry's anchor: keccak256(abi.encode(keccak256(manifestCid), keyCommitment, statsDigest)). */
  anchor: string
  root: bigint
  owner: string
}

export interface MirrorComponents {
  /** The anchor of a dataset, read from the chain (undefined: no such dataset). */
  anchorOf(datasetId: bigint): Promise<DatasetAnchor | undefined>
  /** The node's blocks (Helia's blockstore) and codecs: checked blocks of the dataset go there. */
  blocks: ReceiveDagComponents
  /** Pins what was received; a dataset pinned already is read from here, not fetched. */
  contentStore: Pick<ContentStore, 'pin' | 'isPinned' | 'getManifest'>
  /** Where the blocks come from. */
  source: CarSource
}

export interface MirrorOptions {
  signal?: AbortSignal
  /** Largest CAR of the manifest. Default 16 MiB (the node reads no larger JSON). */
  maxManifestBytes?: number
  /** Largest CAR of the proof bundle, quality report, preview or thumbnail. Default 64 MiB. */
  maxObjectBytes?: number
}

export interface MirroredDataset {
  datasetId: bigint
  manifestCid: string
  manifest: Manifest
  /** `held`: every part was pinned here already and nothing was fetched; `mirrored`: something was. */
  outcome: 'mirrored' | 'held'
  /** Content roots (manifest included) fetched now, and found pinned here already. */
  fetched: number
  held: number
  /** Blocks received from the source, each checked against its CID, and bytes of CAR read. */
  blocks: number
  bytes: number
}

const MIB = 1024 * 1024

/**
 * The most CAR bytes the ciphertext may take: the envelope its manifest describes, plus the
 * UnixFS tree over its 1 MiB leaves and the CAR's framing (well under 1/64 of it, and 1 MiB).
 */
function ciphertextLimit(m: Manifest): number {
  const file = envelopeSize(m.content.bytes, m.encryption.chunkSize)
  return file + Math.ceil(file / 64) + MIB
}

/** Blocks held in memory: the manifest waits here until it has been checked against its anchor. */
function memoryBlocks(): Pick<Blockstore, 'get' | 'has' | 'put'> & { entries(): Array<[CID, Uint8Array]> } {
  const blocks = new Map<string, [CID, Uint8Array]>()
  return {
    put(cid: CID, bytes: Uint8Array) {
      blocks.set(cid.toString(), [cid, bytes])
      return Promise.resolve(cid)
    },
    has: (cid: CID) => Promise.resolve(blocks.has(cid.toString())),
    get(cid: CID) {
      const block = blocks.get(cid.toString())
      if (block === undefined) throw Object.assign(new Error(`${cid.toString()} not received`), { name: 'NotFoundError' })
      return (function* () {
        yield block[1]
      })()
    },
    entries: () => [...blocks.values()],
  }
}

/** The pin kind of each part, as publishing records them (ContentStore.list shows them). */
function kindOf(m: Manifest, cid: string): string {
  if (cid === m.content.ciphertextCid) return 'dataset'
  if (cid === m.previewCid || cid === m.thumbnailCid) return 'bytes'
  return 'json'
}

/**
 * Mirrors an anchored dataset onto this node from an untrusted source (another node's or any
 * trustless gateway): the manifest first, held in memory until its CID, key commitment and
 * statistics hash to the on-chain anchor (and its root and owner match); then each object it
 * names (ciphertext, proof bundle, quality report, preview, thumbnail), every block checked
 * against its CID, only the object's own DAG kept, at most what the manifest says it weighs,
 * each pinned once complete; the manifest is stored and pinned last, so a pinned manifest means
 * the whole dataset is here. Parts pinned already are not fetched again: mirroring twice fetches
 * nothing the second time, and a mirror cut short takes up where it stopped.
 *
 * @throws {DatasetNotAnchoredError} no dataset with this id is anchored
 * @throws {AnchorMismatchError} the manifest is not the anchored one (nothing is kept)
 * @throws {ContentCorruptedError} a block does not hash to its CID
 * @throws {MirrorSourceError} the source did not serve a part
 * @throws {IncompleteCarError} a part's CAR lacked blocks of its DAG
 * @throws {MirrorTooLargeError} a part is larger than its manifest allows
 */
export async function mirrorDataset(datasetId: bigint, c: MirrorComponents, options: MirrorOptions = {}): Promise<MirroredDataset> {
  const { signal } = options
  const withSignal = signal !== undefined ? { signal } : {}
  const anchor = await c.anchorOf(datasetId)
  if (anchor === undefined) throw new DatasetNotAnchoredError(datasetId)
  let manifestCid: CID
  try {
    manifestCid = CID.parse(anchor.manifestCid)
  } catch (err) {
    throw new AnchorMismatchError(
      datasetId,
      'manifestCid',
      `its anchored manifest CID "${anchor.manifestCid}" is not a CID (${(err as Error).message})`,
    )
  }
  const result = { datasetId, manifestCid: anchor.manifestCid, fetched: 0, held: 0, blocks: 0, bytes: 0 }

  // The manifest: from here when pinned, else into memory and checked before anything is written.
  let manifest: Manifest
  const staged = memoryBlocks()
  const manifestHeld = await c.contentStore.isPinned(manifestCid)
  if (manifestHeld) {
    manifest = await c.contentStore.getManifest(manifestCid, withSignal)
  } else {
    const got = await receiveDag(
      c.source.car(manifestCid, withSignal),
      manifestCid,
      { blockstore: staged, getCodec: c.blocks.getCodec },
      { maxBytes: options.maxManifestBytes ?? 16 * MIB, ...withSignal },
    )
    result.blocks += got.blocks
    result.bytes += got.bytes
    const parts: Uint8Array[] = []
    for await (const chunk of unixfs({ blockstore: staged }).cat(manifestCid, withSignal)) parts.push(chunk)
    let json: unknown
    try {
      json = JSON.parse(new TextDecoder().decode(concatBytes(parts)))
    } catch (err) {
      throw new ManifestValidationError([{ path: '', message: `not JSON (${(err as Error).message})` }], { cause: err })
    }
    manifest = parseManifest(json)
  }
  const computed = computeAnchor(anchor.manifestCid, BigInt(manifest.encryption.keyCommitment), statsDigestOf(manifest.stats))
  if (computed.toLowerCase() !== anchor.anchor.toLowerCase())
    throw new AnchorMismatchError(datasetId, 'anchor', `manifest ${anchor.manifestCid} does not hash to the anchor on chain`)
  if (BigInt(manifest.commitments.root) !== anchor.root)
    throw new AnchorMismatchError(datasetId, 'root', `the manifest's root differs from the anchored root`)
  if (manifest.owner.toLowerCase() !== anchor.owner.toLowerCase())
    throw new AnchorMismatchError(datasetId, 'owner', `the manifest's owner differs from the anchored owner`)

  for (const text of new Set(datasetCids(manifest))) {
    const cid = CID.parse(text)
    if (await c.contentStore.isPinned(cid)) {
      result.held++
      continue
    }
    const got = await receiveDag(c.source.car(cid, withSignal), cid, c.blocks, {
      maxBytes: text === manifest.content.ciphertextCid ? ciphertextLimit(manifest) : (options.maxObjectBytes ?? 64 * MIB),
      ...withSignal,
    })
    result.blocks += got.blocks
    result.bytes += got.bytes
    // Every block is here now: pinning walks them locally.
    await c.contentStore.pin(cid, { kind: kindOf(manifest, text), label: `dataset ${datasetId}`, mirroredFrom: c.source.url }, withSignal)
    result.fetched++
  }

  if (manifestHeld) result.held++
  else {
    for (const [cid, bytes] of staged.entries())
      if (!(await c.blocks.blockstore.has(cid))) await c.blocks.blockstore.put(cid, bytes, withSignal)
    await c.contentStore.pin(manifestCid, { kind: 'manifest', label: `dataset ${datasetId}`, mirroredFrom: c.source.url }, withSignal)
    result.fetched++
  }
  return { ...result, manifest, outcome: result.fetched === 0 ? 'held' : 'mirrored' }
}
