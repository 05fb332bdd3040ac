import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { HDNodeWallet, JsonRpcProvider, NonceManager } from 'ethers'
import { createDeviceKey } from '../../circuits/index.js'
import { committedSetupRecordDigests, releaseProverThreads } from '../../circuits/node.js'
import { DEV_MNEMONIC } from '../../core/index.js'
import { createChainClient, type ChainClient, type CompiledContract } from '../../contracts/index.js'
import { ensureDeployment, startAnvil } from '../../contracts/node.js'
import type { PublishComponents } from '../../pipelines/index.js'
import { storeSetupRecords } from '../../server/index.js'
import type { EmbeddedHelia, Keystore } from '../../storage/index.js'
import { createContentStore, createEmbeddedHelia, createKeystore } from '../../storage/node.js'

/** A seller's publishing setup on real parts: anvil with Assay deployed, Helia on disk, a keystore. */
export interface TestPublisher {
  dir: string
  rpcUrl: string
  /** Account 1 of the dev mnemonic (account 0 deployed). */
  wallet: HDNodeWallet
  chain: ChainClient
  helia: EmbeddedHelia
  keystore: Keystore
  components: PublishComponents
  stop(): Promise<void>
}

export interface TestPublisherOptions {
  /** Setup record digests replacing the build's, by circuit id (with `verifierCode`: another setup's key). */
  setupRecords?: Record<string, string>
  /** Verifiers compiled from another setup's keys, by circuit id. */
  verifierCode?: Record<string, CompiledContract>
}

export async function startTestPublisher(name: string, options: TestPublisherOptions = {}): Promise<TestPublisher> {
  const dir = await mkdtemp(join(tmpdir(), `assay-${name}-`))
  const anvil = await startAnvil({ dataDir: join(dir, 'node') })
  const provider = new JsonRpcProvider(anvil.rpcUrl, undefined, { staticNetwork: true, pollingInterval: 100 })
  const account = (i: number): HDNodeWallet => HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).connect(provider)
  const wallet = account(1)
  const { deployment } = await ensureDeployment(join(dir, 'deployment.json'), new NonceManager(account(0)), {
    setupRecords: { ...(await committedSetupRecordDigests()), ...options.setupRecords },
    ...(options.verifierCode !== undefined ? { verifierCode: options.verifierCode } : {}),
  })
  const chain = createChainClient(new NonceManager(wallet), deployment)
  const helia = await createEmbeddedHelia({ dataDir: join(dir, 'node') })
  const keystore = await createKeystore({ dir: join(dir, 'keystore'), masterKey: new Uint8Array(32).fill(7) })
  const contentStore = createContentStore({ helia: helia.helia })
  // As a node does: its gateway serves the setup records the deployment anchors.
  await storeSetupRecords(contentStore)
  return {
    dir,
    rpcUrl: anvil.rpcUrl,
    wallet,
    chain,
    helia,
    keystore,
    components: {
      contentStore,
      keystore,
      chain,
      owner: wallet.address,
      ownerPublicKey: wallet.signingKey.publicKey,
      gateway: await createDeviceKey(),
      workDir: join(dir, 'work'),
    },
    async stop() {
      await releaseProverThreads()
      await helia.stop()
      provider.destroy()
      await anvil.stop()
      await rm(dir, { recursive: true, force: true })
    },
  }
}
