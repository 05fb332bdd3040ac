import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'
import { openProviderRegistry } from '../../server/index.js'

describe('provider registry', () => {
  let dir: string
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'assay-providers-'))
  })
  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('lists the providers of a manifest most recently seen first, once each, across restarts', () => {
    let t = 0
    const path = join(dir, 'providers.sqlite')
    const registry = openProviderRegistry(path, () => ++t)
    expect(registry.of('bafymanifest')).to.deep.equal([])
    registry.add('bafymanifest', 'http://a:7420')
    registry.add('bafymanifest', 'http://c:7420')
    registry.add('bafyother', 'http://d:7420')
    registry.add('bafymanifest', 'http://a:7420')
    expect(registry.of('bafymanifest')).to.deep.equal(['http://a:7420', 'http://c:7420'])
    registry.close()
    const reopened = openProviderRegistry(path)
    expect([reopened.of('bafymanifest'), reopened.of('bafyother')]).to.deep.equal([['http://a:7420', 'http://c:7420'], ['http://d:7420']])
    reopened.close()
  })

  it('keeps the 16 most recent providers of a manifest', () => {
    let t = 0
    const registry = openProviderRegistry(':memory:', () => ++t)
    for (let i = 0; i < 20; i++) registry.add('bafymanifest', `http://n${i}:7420`)
    const listed = registry.of('bafymanifest')
    expect([listed.length, listed[0], listed.at(-1)]).to.deep.equal([16, 'http://n19:7420', 'http://n4:7420'])
    registry.close()
  })
})
