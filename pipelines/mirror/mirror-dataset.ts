import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { identity } from 'multiformats/hashes/identity'
import { datasetCids, ManifestValidationError, parseManifest, type Manifest } from '../../core/index.js'
import { computeAnchor, statsDigestOf } from '../../contracts/index.js'
import { envelopeSize, type ContentStore } from '../../storage/index.js'
import { declaredSize } from './declared-size.js'
import type { CarSource } from './gateway-source.js'
import {
  AnchorMismatchError,
  DatasetNotAnchoredError,
  DeclaredSizeMismatchError,
  IncompleteCarError,
  MirrorTooLargeError,
} from './mirror-errors.js'
import { providerAddress } from './provider-address.js'
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
  /** Largest CAR of the manifest (one raw block). Default 16 MiB (the node reads no larger JSON). */
  maxManifestBytes?: number
  /** Largest proof bundle, quality report, preview or thumbnail (and CAR of one). Default 64 MiB. */
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

/** The manifest's block held in memory: it waits here until it has been checked against its anchor. */
function stagedBlocks(): ReceiveDagComponents['blockstore'] & { bytesOf(cid: CID): Uint8Array | undefined } {
  const blocks = new Map<string, Uint8Array>()
  return {
    put(cid: CID, bytes: Uint8Array) {
      blocks.set(cid.toString(), bytes)
      return Promise.resolve(cid)
    },
    has: (cid: CID) => Promise.resolve(blocks.has(cid.toString())),
    bytesOf: (cid: CID) => (cid.multihash.code === identity.code ? cid.multihash.digest : blocks.get(cid.toString())),
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
 * trustless gateway): the manifest first — one raw block, as publishing writes it and clients
 * read it — held in memory until its CID, key commitment and statistics hash to the on-chain
 * anchor (and its root and owner match); then each object it names (ciphertext, proof bundle,
 * quality report, preview, thumbnail), every block checked against its CID, only the object's
 * own DAG kept, its root describing the size the manifest records (the ciphertext's envelope) or
 * at most `maxObjectBytes`, at most that many bytes of CAR taken, each pinned once complete; the
 * manifest is stored and pinned last, so a pinned manifest means the whole dataset is here.
 * Parts pinned already are not fetched again: mirroring twice fetches nothing the second time,
 * and a mirror cut short takes up where it stopped.
 *
 * @throws {DatasetNotAnchoredError} no dataset with this id is anchored
 * @throws {ManifestValidationError} the anchored manifest is not one raw block, or not a manifest
 * @throws {AnchorMismatchError} the manifest is not the anchored one (nothing is kept)
 * @throws {ContentCorruptedError} a block does not hash to its CID
 * @throws {MirrorSourceError} the source did not serve a part
 * @throws {IncompleteCarError} a part's CAR lacked blocks of its DAG
 * @throws {MirrorTooLargeError} a part is larger than its manifest allows
 * @throws {DeclaredSizeMismatchError} a part's root describes another file than its manifest records
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
  // The manifest's block when it was fetched now (undefined: held here already).
  let manifestBytes: Uint8Array | undefined
  if (await c.contentStore.isPinned(manifestCid)) {
    manifest = await c.contentStore.getManifest(manifestCid, withSignal)
  } else {
    // One block, read as it is: a manifest spread over a UnixFS tree could describe terabytes in a
    // few KB of repeated links, and no client reads one (the SDK takes the manifest's raw block).
    if (manifestCid.code !== raw.code)
      throw new ManifestValidationError([
        {
          path: '',
          message: `the anchored manifest ${anchor.manifestCid} is not one raw block (codec 0x${manifestCid.code.toString(16)})`,
        },
      ])
    const staged = stagedBlocks()
    const got = await receiveDag(
      c.source.car(manifestCid, withSignal),
      manifestCid,
      { blockstore: staged, getCodec: c.blocks.getCodec },
      { maxBytes: options.maxManifestBytes ?? 16 * MIB, ...withSignal },
    )
    result.blocks += got.blocks
    result.bytes += got.bytes
    manifestBytes = staged.bytesOf(manifestCid)
    if (manifestBytes === undefined) throw new IncompleteCarError(anchor.manifestCid, 'the manifest block did not arrive')
    let json: unknown
    try {
      json = JSON.parse(new TextDecoder().decode(manifestBytes))
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

  const from = providerAddress(c.source.url)
  const maxObjectBytes = options.maxObjectBytes ?? 64 * MIB
  for (const text of new Set(datasetCids(manifest))) {
    const cid = CID.parse(text)
    if (await c.contentStore.isPinned(cid)) {
      result.held++
      continue
    }
    const ciphertext = text === manifest.content.ciphertextCid
    // The root says how large a file the DAG is: checked before anything below it is taken.
    const checkRoot = (root: CID, bytes: Uint8Array): void => {
      const declared = declaredSize(root, bytes)
      if (ciphertext) {
        const expected = BigInt(envelopeSize(manifest.content.bytes, manifest.encryption.chunkSize))
        if (declared !== expected) throw new DeclaredSizeMismatchError(text, expected, declared)
      } else if (declared === undefined) throw new DeclaredSizeMismatchError(text, undefined, undefined)
      else if (declared > BigInt(maxObjectBytes)) throw new MirrorTooLargeError(text, maxObjectBytes, { declared })
    }
    const got = await receiveDag(c.source.car(cid, withSignal), cid, c.blocks, {
      maxBytes: ciphertext ? ciphertextLimit(manifest) : maxObjectBytes,
      checkRoot,
      ...withSignal,
    })
    result.blocks += got.blocks
    result.bytes += got.bytes
    // Every block is here now: pinning walks them locally. Not aborted midway (the signal is
    // not passed): it ends soon, and the next part sees the abort.
    await c.contentStore.pin(cid, { kind: kindOf(manifest, text), label: `dataset ${datasetId}`, mirroredFrom: from })
    result.fetched++
  }

  if (manifestBytes === undefined) result.held++
  else {
    if (!(await c.blocks.blockstore.has(manifestCid))) await c.blocks.blockstore.put(manifestCid, manifestBytes, withSignal)
    await c.contentStore.pin(manifestCid, { kind: 'manifest', label: `dataset ${datasetId}`, mirroredFrom: from })
    result.fetched++
  }
  return { ...result, manifest, outcome: result.fetched === 0 ? 'held' : 'mirrored' }
}
