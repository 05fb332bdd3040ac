import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'
import { parseManifest } from '../../core/index.js'
import { computeAnchor, statsDigestOf } from '../../contracts/index.js'
import { createMirrorService, type MirrorServiceComponents } from '../../server/index.js'
import { generateDataKey, type EmbeddedHelia } from '../../storage/index.js'
import { createContentStore, createEmbeddedHelia } from '../../storage/node.js'
import { pieces, pseudoRandomBytes } from '../helpers/bytes.js'
import { sampleManifest } from '../helpers/manifest.js'

describe('mirror service (POST /mirrors)', function () {
  this.timeout(60_000)
  const dirs: string[] = []
  const nodes: EmbeddedHelia[] = []
  after(async () => {
    for (const n of nodes.splice(0)) await n.stop()
    for (const d of dirs) await rm(d, { recursive: true, force: true })
  })
  const helia = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'assay-mirror-service-'))
    dirs.push(dir)
    const h = await createEmbeddedHelia({ dataDir: dir })
    nodes.push(h)
    return { helia: h, store: createContentStore({ helia: h.helia }) }
  }

  it('publishes the source it mirrored from as origin and path only, never the credentials or token the operator gave', async () => {
    const source = await helia()
    const added = await source.store.addStream(pieces(pseudoRandomBytes(5000, 1), 1000), generateDataKey())
    const json = await source.store.putJson({ ok: true })
    const base = sampleManifest()
    const manifest = parseManifest(
      sampleManifest({
        content: {
          ...base.content,
          ciphertextCid: added.cid.toString(),
          bytes: added.plaintext.bytes,
          plaintextSha256: added.plaintext.sha256,
        },
        proofs: { ...base.proofs, bundleCid: json.toString() },
        quality: { score: 50, reportCid: json.toString() },
      }),
    )
    const manifestCid = (await source.store.putManifest(manifest)).toString()
    const target = await helia()
    const recorded: Array<[string, string]> = []
    const asked: string[] = []
    const components: MirrorServiceComponents = {
      catalog: {
        get: (id: bigint) => (id === 7n ? { manifestCid, manifestStatus: 'ok' } : undefined),
        search: () => ({ total: 0, items: [] }),
        setManifest: () => undefined,
      } as unknown as MirrorServiceComponents['catalog'],
      sync: () => Promise.resolve(),
      chain: {
        datasetOf: () =>
          Promise.resolve({
            owner: manifest.owner,
            anchor: computeAnchor(manifestCid, BigInt(manifest.encryption.keyCommitment), statsDigestOf(manifest.stats)),
            root: BigInt(manifest.commitments.root),
          }),
      } as unknown as MirrorServiceComponents['chain'],
      blocks: { blockstore: target.helia.helia.blockstore, getCodec: target.helia.helia.getCodec },
      contentStore: target.store,
      providers: { add: (cid, url) => void recorded.push([cid, url]) },
      source: (url) => ({
        url,
        car: (cid) => {
          asked.push(url)
          return source.store.exportCar(cid)
        },
      }),
    }
    const from = 'https://operator:secret@gw.example/ipfs-gw/?token=abc#part'
    const report = await createMirrorService(components).mirror({ from, datasetId: 7n })
    expect([report.datasets[0]!.outcome, asked[0]]).to.deep.equal(['mirrored', from])
    expect(recorded).to.deep.equal([[manifestCid, 'https://gw.example/ipfs-gw/']])
  })
})
