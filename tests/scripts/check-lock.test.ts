import { readFileSync } from 'node:fs'
import { expect } from 'chai'
import { checkLock, type LockFile } from '../../scripts/check-lock.js'

const lock = (packages: LockFile['packages']): LockFile => ({ lockfileVersion: 3, packages: { '': {}, ...packages } })

describe('checkLock', () => {
  it('passes the project itself', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } }
    expect(checkLock(JSON.parse(readFileSync('package-lock.json', 'utf8')) as LockFile, pkg.engines.node)).to.deep.equal([])
  })

  it('rejects an entry that holds only {"optional": true} (npm ci: "Invalid Version:")', () => {
    const problems = checkLock(lock({ 'node_modules/a/node_modules/a-darwin-arm64': { optional: true } as never }), '>=20.19')
    expect(problems).to.have.length(2)
    expect(problems[0]).to.match(/a-darwin-arm64: no valid "version"/)
    expect(problems[1]).to.match(/neither "integrity" nor "resolved"/)
  })

  it('rejects a registry entry with a version but no integrity or resolved address', () => {
    expect(checkLock(lock({ 'node_modules/b': { version: '1.0.0' } }), '>=20.19')).to.deep.equal([
      'node_modules/b: neither "integrity" nor "resolved": npm cannot tell what to install',
    ])
  })

  it('rejects a package that needs a newer Node than the project supports', () => {
    const problems = checkLock(
      lock({ 'node_modules/p-retry': { version: '8.0.1', integrity: 'sha512-x', engines: { node: '>=22' } } }),
      '>=20.19',
    )
    expect(problems).to.deep.equal([
      'node_modules/p-retry@8.0.1: needs Node >=22, the project supports >=20.19 (pin an older version in "overrides")',
    ])
  })

  it('accepts links, bundled dependencies and packages whose engines admit the oldest supported Node', () => {
    const problems = checkLock(
      lock({
        'node_modules/local': { link: true, resolved: 'packages/local' },
        'node_modules/x/node_modules/bundled': { version: '2.0.0', inBundle: true },
        'node_modules/c': { version: '1.2.3', integrity: 'sha512-y', engines: { node: '^20.19.0 || >=22.12.0' } },
      }),
      '>=20.19',
    )
    expect(problems).to.deep.equal([])
  })

  it('rejects a lock file older than version 2', () => {
    expect(checkLock({ lockfileVersion: 1, packages: {} }, '>=20.19')).to.deep.equal([
      'lockfileVersion 1: npm 7+ lock files (version 2 or 3) only',
    ])
  })
})
