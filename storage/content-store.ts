import { createHash } from 'node:crypto'
import { availableParallelism } from 'node:os'
import { car } from '@helia/car'
import { unixfs } from '@helia/unixfs'
import { CarBlockIterator } from '@ipld/car'
import type { Helia } from 'helia'
import { createUnsafe } from 'multiformats/block'
import { CID } from 'multiformats/cid'
import { identity } from 'multiformats/hashes/identity'
import { parseManifest, ServiceError, type Manifest, type ManifestInput } from '../core/index.js'
import { decryptEnvelope } from './decrypt-envelope.js'
import { encryptEnvelope, type EncryptOptions } from './encrypt-envelope.js'
import { DEFAULT_CHUNK_SIZE, ENVELOPE_ID } from './envelope-format.js'
import { getBlockBytes } from './block-bytes.js'
import { codecName, type DagReader } from './dag-entity.js'
import { checkBlock } from './check-block.js'
import { ContentNotFoundError } from './errors.js'
import { leafSkippingWalker } from './pin-walker.js'
import { pipelinedLeafImporter } from './pipelined-leaf-importer.js'
import { readAhead } from './read-ahead.js'
import { readUnixfsFile } from './read-unixfs-file.js'
import { resolveDagPath, type DagBlock, type ResolveDagPathOptions, type ResolvedDagPath } from './resolve-dag-path.js'
import { selectDagBlocks, type DagSelection, type SelectDagBlocksOptions } from './select-dag-blocks.js'
import { ByteReader } from './byte-reader.js'
import { sealEnvelopeLeaves, type SealSummary } from './seal-envelope-leaves.js'
import { startSealWorkerRing } from './seal-worker-ring.js'
import { UndecodableBlockError } from './undecodable-block-error.js'
import { createVerifiedBlockstore } from './verified-blockstore.js'

/** What a content store needs from Helia: blocks, pins and codecs (for CAR traversal). */
export type ContentStoreComponents = { helia: Pick<Helia, 'blockstore' | 'pins' | 'getCodec' | 'logger'> }

export interface AddResult {
  /** Root of the ciphertext (UnixFS file of the envelope). */
  cid: CID
  envelope: typeof ENVELOPE_ID
  chunkSize: number
  plaintext: { sha256: string; bytes: number }
  ciphertext: { bytes: number }
}

export interface HeldContent {
  cid: CID
  kind: string
  label?: string
  addedAt?: string
}

export interface AddStreamOptions extends EncryptOptions {
  signal?: AbortSignal
  /** Free-form label kept with the pin (e.g. a dataset title). */
  label?: string
}

export interface ReadOptions {
  /** Aborts waiting for blocks (e.g. from a peer). Default: 30 s. */
  signal?: AbortSignal
}

/** How a gateway read takes its blocks. */
export interface BlockReadOptions extends ReadOptions {
  /**
   * Read only blocks this node has pinned, from its own disk, never asking its peers: for content
   * served because it is pinned, whose links (under whatever codec a CID names its bytes) may lead
   * anywhere. A block outside every pin is ContentNotFoundError. Default false.
   */
  pinnedOnly?: boolean
}

export interface ContentStoreOptions {
  /**
   * Worker threads that encrypt and hash during an add (seal-worker-ring.ts), started per add and
   * stopped after it; 0 keeps the whole add on the main thread. Default: one per core but the
   * main thread's (which reads, copies and writes blocks), at most 2. One worker on two cores also
   * hashes the plaintext: that balances it against the main thread (bench:storage).
   */
  sealWorkers?: number
  /** The seal workers' entry (tests inject failing ones). */
  sealWorkerEntry?: URL
}

/** Encrypted, content-addressed storage of datasets and their JSON objects. */
export interface ContentStore {
  /** Encrypts a plaintext stream and adds it in one pass, then pins it. */
  addStream(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, key: Uint8Array, options?: AddStreamOptions): Promise<AddResult>
  /** Streams the plaintext: every block is checked against its CID, every chunk authenticated. */
  cat(cid: CID, key: Uint8Array, options?: ReadOptions): AsyncGenerator<Uint8Array>
  /** Streams the stored bytes (the envelope) as they are. */
  catRaw(cid: CID, options?: ReadOptions): AsyncGenerator<Uint8Array>
  stat(cid: CID, options?: ReadOptions): Promise<{ cid: CID; bytes: number; pinned: boolean }>
  pin(cid: CID, metadata?: Record<string, string>, options?: ReadOptions): Promise<void>
  unpin(cid: CID): Promise<void>
  isPinned(cid: CID): Promise<boolean>
  /** Everything this node holds pinned, with the kind and label recorded at add time. */
  list(): Promise<HeldContent[]>
  /**
   * One block as stored, whatever its codec, checked against its CID; an identity CID answers
   * from itself. @throws {ContentNotFoundError}
   */
  getBlock(cid: CID, options?: BlockReadOptions): Promise<Uint8Array>
  /** Whether this node holds the block itself, without asking its peers. */
  hasBlock(cid: CID): Promise<boolean>
  /**
   * Follows a UnixFS path from `root` through directories (HAMT-sharded ones too): the CID each
   * segment names, the blocks that prove it, and what it ends at. @throws {ContentNotFoundError}
   * @throws {DagWalkLimitError} @throws {UndecodableBlockError}
   */
  resolvePath(root: CID, path: readonly string[], options?: ResolveDagPathOptions & BlockReadOptions): Promise<ResolvedDagPath>
  /**
   * The blocks of a DAG selection (a trustless gateway's dag-scope, entity-bytes and dups) in
   * depth-first order, each checked against its CID, read as they are pulled.
   * @throws {DagWalkLimitError} @throws {UndecodableBlockError}
   */
  selectBlocks(root: CID, selection: DagSelection, options?: SelectDagBlocksOptions & BlockReadOptions): AsyncGenerator<DagBlock>
  /** A CARv1 stream of every block under `cid`, for storage deals and pinning services. */
  exportCar(cid: CID, options?: ReadOptions): AsyncGenerator<Uint8Array>
  /** Imports a CAR stream (every block checked against its CID), pins its roots and returns them. @throws {ContentCorruptedError} */
  importCar(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<CID[]>
  putJson(value: unknown, metadata?: Record<string, string>): Promise<CID>
  /** Stores public bytes unencrypted (previews), pinned. */
  putBytes(bytes: Uint8Array, metadata?: Record<string, string>): Promise<CID>
  /** Reads public bytes back, every block verified. */
  getBytes(cid: CID, options?: ReadOptions): Promise<Uint8Array>
  getJson(cid: CID, options?: ReadOptions): Promise<unknown>
  /** Validates, then stores a manifest. @throws {ManifestValidationError} */
  putManifest(manifest: ManifestInput): Promise<CID>
  /** Reads and validates a manifest. @throws {ManifestValidationError} @throws {ContentNotFoundError} */
  getManifest(cid: CID, options?: ReadOptions): Promise<Manifest>
}

const DEFAULT_READ_TIMEOUT_MS = 30_000
/** Envelope pieces (a chunk body or a tag) encrypted ahead of the importer: one chunk at 1 MiB chunks. */
const READ_AHEAD_PIECES = 2
/**
 * Leaves hashed and written at once (pipelinedLeafImporter). On two cores 3 (with 2 pieces read
 * ahead) was about as fast as 4 or 8 and kept the 1 GiB peak RSS under 300 MB: fewer 1 MiB
 * buffers alive at once (bench:storage).
 */
const BLOCK_WRITE_CONCURRENCY = 3
/** Leaves fetched ahead by cat: overlaps disk or network with decryption, bounded memory. */
const PREFETCH_BLOCKS = 4
const MAX_JSON_BYTES = 16 * 1024 * 1024
/** @helia/unixfs's leaf size (its default chunker): the worker path cuts the same leaves, so the same CIDs. */
const LEAF_BYTES = 1_048_576
/**
 * Plaintexts up to this size are added on the main thread: starting the workers (~30 ms) costs
 * more than it saves on a few chunks.
 */
const SEAL_WORKERS_MIN_BYTES = 2 * 1024 * 1024

async function* tap(source: AsyncIterable<Uint8Array>, onChunk: (chunk: Uint8Array) => void): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    onChunk(chunk)
    yield chunk
  }
}

async function* fromAny(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  yield* source
}

/** Rethrows a failed read: missing blocks (or a read that timed out waiting for them) become ContentNotFoundError. */
function rethrowRead(cid: CID, err: unknown): never {
  const name = (err as { name?: string } | undefined)?.name ?? ''
  if (['NotFoundError', 'LoadBlockFailedError', 'BlockNotFoundWhileOfflineError', 'AbortError', 'TimeoutError'].includes(name)) {
    throw new ContentNotFoundError(cid.toString(), 'not available from this node or its peers', { cause: err })
  }
  throw err
}

/** Creates the content store over a Helia node (embedded or any other implementation). */
export function createContentStore(components: ContentStoreComponents, storeOptions: ContentStoreOptions = {}): ContentStore {
  const { helia } = components
  const sealWorkers = Math.max(0, Math.floor(storeOptions.sealWorkers ?? Math.min(2, Math.max(1, availableParallelism() - 1))))
  const sealWorkerEntry = storeOptions.sealWorkerEntry
  // Reads go through CID verification; writes compute CIDs themselves.
  const verified = createVerifiedBlockstore(helia.blockstore)
  const fs = unixfs({ blockstore: verified })
  const cars = car(helia)
  const signalOf = (options?: ReadOptions): AbortSignal => options?.signal ?? AbortSignal.timeout(DEFAULT_READ_TIMEOUT_MS)
  // Blocks for the gateway: any block (fetched from peers when missing), or pinned ones alone,
  // from disk (Helia's pins and blockstore are keyed by multihash: a pinned block is pinned under
  // any codec a CID names it with, so what its links lead to must be pinned too).
  const dagReader = (pinnedOnly: boolean): DagReader => ({
    async getBlock(cid, options) {
      if (cid.multihash.code === identity.code) return cid.multihash.digest
      const signal = signalOf(options)
      if (pinnedOnly && !(await helia.pins.isPinned(cid, { signal })))
        throw new ContentNotFoundError(cid.toString(), 'not pinned on this node, which serves pinned content from its pins alone')
      try {
        return await getBlockBytes(verified, cid, { signal, ...(pinnedOnly ? { offline: true } : {}) })
      } catch (err) {
        rethrowRead(cid, err)
      }
    },
    async linksOf(cid, bytes) {
      let block
      try {
        block = createUnsafe({ cid, bytes, codec: await helia.getCodec(cid.code) })
      } catch (err) {
        throw new UndecodableBlockError(cid.toString(), codecName(cid.code), err instanceof Error ? err.message : String(err), {
          cause: err,
        })
      }
      return [...block.links()].map(([, link]) => link)
    },
  })
  const anyBlock = dagReader(false)
  const pinnedBlock = dagReader(true)
  const readerFor = (options?: BlockReadOptions): DagReader => (options?.pinnedOnly === true ? pinnedBlock : anyBlock)

  const pin = async (cid: CID, metadata: Record<string, string> = {}, options?: ReadOptions): Promise<void> => {
    if (await helia.pins.isPinned(cid)) return
    // pins.add is a lazy generator: nothing is pinned until it is iterated.
    const pinOptions = { metadata: { addedAt: new Date().toISOString(), ...metadata }, signal: options?.signal, walker: leafSkippingWalker }
    for await (const _ of helia.pins.add(cid, pinOptions)) {
      // walking the DAG
    }
  }

  const readAll = async (cid: CID, options?: ReadOptions): Promise<Uint8Array> => {
    const parts: Uint8Array[] = []
    let size = 0
    for await (const chunk of store.catRaw(cid, options)) {
      size += chunk.length
      if (size > MAX_JSON_BYTES) throw new ContentNotFoundError(cid.toString(), `JSON object larger than ${MAX_JSON_BYTES} bytes`)
      parts.push(chunk)
    }
    return new Uint8Array(Buffer.concat(parts))
  }

  const store: ContentStore = {
    async addStream(source, key, options = {}) {
      const reader = new ByteReader(fromAny(source))
      // Small plaintexts stay on the main thread; the rest goes through the seal workers.
      const head = sealWorkers > 0 ? await reader.readParts(SEAL_WORKERS_MIN_BYTES) : []
      const useWorkers = sealWorkers > 0 && !(await reader.atEnd())
      async function* plaintext(): AsyncGenerator<Uint8Array> {
        yield* head
        for (let parts = await reader.readParts(LEAF_BYTES); parts.length > 0; parts = await reader.readParts(LEAF_BYTES)) yield* parts
      }
      const unixfsOptions = { signal: options.signal, rawLeaves: true, cidVersion: 1 as const, blockWriteConcurrency: 1 }
      let cid: CID
      let plain: { sha256: string; bytes: number }
      let cipherBytes = 0
      if (useWorkers) {
        // The workers cut the envelope into LEAF_BYTES leaves and hash them: the importer takes the
        // leaves as they are (pass-through chunker) and their digests from the workers.
        const ring = startSealWorkerRing({ size: sealWorkers, ...(sealWorkerEntry !== undefined ? { entry: sealWorkerEntry } : {}) })
        const digests = new WeakMap<Uint8Array, Uint8Array>()
        let summary: SealSummary | undefined
        async function* leaves(): AsyncGenerator<Uint8Array> {
          const sealing = sealEnvelopeLeaves(plaintext(), key, { ...options, ring, leafSize: LEAF_BYTES })
          let done = false
          try {
            for (let next = await sealing.next(); ; next = await sealing.next()) {
              if (next.done === true) {
                done = true
                summary = next.value
                return
              }
              digests.set(next.value.bytes, next.value.digest)
              cipherBytes += next.value.bytes.length
              yield next.value.bytes
            }
          } finally {
            // Abandoned (the importer failed): the sealer releases the source. Its summary is moot.
            if (!done) await sealing.return(undefined as unknown as SealSummary)
          }
        }
        try {
          cid = await fs.addByteStream(leaves(), {
            ...unixfsOptions,
            chunker: (leafStream) => leafStream,
            bufferImporter: pipelinedLeafImporter({
              concurrency: BLOCK_WRITE_CONCURRENCY,
              signal: options.signal,
              knownDigest: (block) => digests.get(block),
            }),
          })
        } finally {
          await ring.close()
        }
        if (summary === undefined) throw new ServiceError('seal-worker', 'the envelope ended without its summary')
        plain = { sha256: Buffer.from(summary.plaintextSha256).toString('hex'), bytes: summary.plaintextBytes }
      } else {
        const hash = createHash('sha256')
        let bytes = 0
        const tapped = tap(plaintext(), (c) => {
          hash.update(c)
          bytes += c.length
        })
        const ciphertext = tap(readAhead(encryptEnvelope(tapped, key, options), READ_AHEAD_PIECES), (c) => (cipherBytes += c.length))
        cid = await fs.addByteStream(ciphertext, {
          ...unixfsOptions,
          // The window of leaves in flight is the leaf importer's; the importer's own waits for whole batches.
          bufferImporter: pipelinedLeafImporter({ concurrency: BLOCK_WRITE_CONCURRENCY, signal: options.signal }),
        })
        plain = { sha256: hash.digest('hex'), bytes }
      }
      await pin(cid, { kind: 'dataset', ...(options.label !== undefined ? { label: options.label } : {}) })
      return {
        cid,
        envelope: ENVELOPE_ID,
        chunkSize: options.chunkSize ?? DEFAULT_CHUNK_SIZE,
        plaintext: plain,
        ciphertext: { bytes: cipherBytes },
      }
    },

    async *cat(cid, key, options) {
      yield* decryptEnvelope(store.catRaw(cid, options), key)
    },

    async *catRaw(cid, options) {
      try {
        yield* readUnixfsFile(verified, cid, { signal: signalOf(options), prefetch: PREFETCH_BLOCKS })
      } catch (err) {
        rethrowRead(cid, err)
      }
    },

    async stat(cid, options) {
      try {
        const s = await fs.stat(cid, { signal: signalOf(options) })
        return { cid, bytes: Number(s.size), pinned: await helia.pins.isPinned(cid) }
      } catch (err) {
        rethrowRead(cid, err)
      }
    },

    pin,

    async unpin(cid) {
      if (!(await helia.pins.isPinned(cid))) return
      for await (const _ of helia.pins.rm(cid, { walker: leafSkippingWalker })) {
        // unpinning
      }
    },

    isPinned: (cid) => helia.pins.isPinned(cid),

    async list() {
      const out: HeldContent[] = []
      for await (const p of helia.pins.ls()) {
        const m = p.metadata
        out.push({
          cid: p.cid,
          kind: typeof m.kind === 'string' ? m.kind : 'unknown',
          ...(typeof m.label === 'string' ? { label: m.label } : {}),
          ...(typeof m.addedAt === 'string' ? { addedAt: m.addedAt } : {}),
        })
      }
      return out
    },

    getBlock: (cid, options) => readerFor(options).getBlock(cid, options),

    hasBlock: async (cid) => cid.multihash.code === identity.code || (await helia.blockstore.has(cid)),

    resolvePath: (root, path, options) => resolveDagPath(readerFor(options), root, path, options),

    selectBlocks: (root, selection, options) => selectDagBlocks(readerFor(options), root, selection, options),

    async *exportCar(cid, options) {
      try {
        yield* cars.export(cid, { signal: signalOf(options) })
      } catch (err) {
        rethrowRead(cid, err)
      }
    },

    async importCar(source) {
      const iterator = await CarBlockIterator.fromIterable(fromAny(source))
      // @ipld/car may carry its own copy of multiformats: take its CIDs as they are when they are
      // ours, else rebuild them from their bytes.
      const asOurs = (cid: { bytes: Uint8Array }): CID => CID.asCID(cid) ?? CID.decode(cid.bytes)
      const roots = (await iterator.getRoots()).map(asOurs)
      // A CAR is untrusted input: every block is checked against its CID before it is stored, and
      // the roots are pinned only once all of them were.
      async function* blocks(): AsyncGenerator<{ cid: CID; bytes: Uint8Array }> {
        for await (const block of iterator) {
          const cid = asOurs(block.cid)
          await checkBlock(cid, block.bytes)
          yield { cid, bytes: block.bytes }
        }
      }
      await cars.import({ blocks })
      for (const root of roots) await pin(root, { kind: 'car-import' })
      return roots
    },

    async putJson(value, metadata = {}) {
      const cid = await fs.addBytes(new TextEncoder().encode(JSON.stringify(value)), { rawLeaves: true, cidVersion: 1 })
      await pin(cid, { kind: 'json', ...metadata })
      return cid
    },

    async putBytes(bytes, metadata = {}) {
      const cid = await fs.addBytes(bytes, { rawLeaves: true, cidVersion: 1 })
      await pin(cid, { kind: 'bytes', ...metadata })
      return cid
    },

    getBytes(cid, options) {
      return readAll(cid, options)
    },

    async getJson(cid, options) {
      return JSON.parse(new TextDecoder().decode(await readAll(cid, options))) as unknown
    },

    async putManifest(manifest) {
      return store.putJson(parseManifest(manifest), { kind: 'manifest' })
    },

    async getManifest(cid, options) {
      return parseManifest(await store.getJson(cid, options))
    },
  }
  return store
}
