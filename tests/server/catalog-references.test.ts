import { expect } from 'chai'
import { parseManifest } from '../../core/index.js'
import { openCatalog } from '../../server/index.js'
import { sampleManifest } from '../helpers/manifest.js'

describe('catalog: what the gateway may serve', () => {
  const MANIFEST = 'bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'
  const NAMED = 'bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq'
  const MENTIONED = 'bafkreiabltrd5zm73pvi7plq25pef3hm7jxhbi3kv4hapegrkfpkqtkbme'

  it('serves the manifest and the content its fields name, not a CID merely written somewhere in it', () => {
    const catalog = openCatalog(':memory:')
    catalog.anchor({
      datasetId: 1n,
      owner: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
      manifestCid: MANIFEST,
      root: 7n,
      keyCommitment: 42n,
      parent: 0n,
      circuit: 5,
      qualityScore: 9150,
      publishedAt: 1_800_000_000,
      block: 3,
      txHash: `0x${'ab'.repeat(32)}`,
    })
    // A publisher can write any CID into the description: the node must not serve (or fetch) it for them.
    catalog.setManifest(1n, parseManifest(sampleManifest({ title: MENTIONED })))
    expect([MANIFEST, NAMED, MENTIONED].map((cid) => catalog.references(cid))).to.deep.equal([true, true, false])
    catalog.close()
  })
})
