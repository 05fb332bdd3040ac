import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { identify, type Identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { FileBlockstore } from './file-blockstore.js'
import { LevelDatastore } from 'datastore-level'
import { createHelia } from 'helia'
import { ServiceError } from '../core/index.js'

export interface EmbeddedHeliaOptions {
  /** Root of this node's data; blocks go to `<dataDir>/ipfs/blocks`, metadata to `<dataDir>/ipfs/datastore`. */
  dataDir: string
  /** libp2p listen addresses. Default loopback on a free port, so other local nodes can dial it. */
  listen?: string[]
}

/** Helia with its libp2p node (for dialling peers and reading addresses). */
export type HeliaNode = ReturnType<typeof createHelia<{ identify: Identify }>>

/** A running Helia node whose on-disk stores this process opened and must close. */
export interface EmbeddedHelia {
  helia: HeliaNode
  /** Stops libp2p, then closes the stores (Helia never closes stores it was given). */
  stop(): Promise<void>
}

/**
 * Starts an embedded Helia node on disk that needs no internet: no bootstrap peers, no
 * delegated routers, no recursive gateways. Peers are reached by dialling their multiaddr.
 *
 * @throws {ServiceError} when the stores are locked (another node uses the data dir) or libp2p fails.
 */
export async function createEmbeddedHelia(options: EmbeddedHeliaOptions): Promise<EmbeddedHelia> {
  const root = join(options.dataDir, 'ipfs')
  await mkdir(root, { recursive: true })
  const blockstore = new FileBlockstore(join(root, 'blocks'))
  const datastore = new LevelDatastore(join(root, 'datastore'))
  try {
    await blockstore.open()
    await datastore.open()
  } catch (err) {
    await Promise.allSettled([blockstore.close(), datastore.close()])
    throw new ServiceError('helia', `cannot open the stores under ${root} (is another Assay node using this data dir?)`, { cause: err })
  }
  let helia: HeliaNode
  try {
    helia = createHelia({
      blockstore,
      datastore,
      libp2p: {
        addresses: { listen: options.listen ?? ['/ip4/127.0.0.1/tcp/0'] },
        transports: [tcp()],
        connectionEncrypters: [noise()],
        streamMuxers: [yamux()],
        peerDiscovery: [],
        services: { identify: identify() },
      },
      // No public delegated routers or gateways: the node must start and run with no internet.
      http: { delegatedRouters: [], recursiveGateways: [] },
    })
    await helia.start()
  } catch (err) {
    await Promise.allSettled([blockstore.close(), datastore.close()])
    throw new ServiceError('helia', `failed to start: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
  }
  let stopped = false
  return {
    helia,
    async stop() {
      if (stopped) return
      stopped = true
      await helia.stop()
      await blockstore.close()
      await datastore.close()
    },
  }
}
