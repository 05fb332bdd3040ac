import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'
import { generateDataKey } from '../../storage/index.js'
import { createKeystore, loadMasterKey } from '../../storage/node.js'
import { caught } from '../helpers/errors.js'

describe('keystore', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'assay-keystore-'))
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('returns stored keys after a restart (a new keystore on the same dir and key file)', async () => {
    const keyFile = join(dir, 'master.key')
    const k1 = generateDataKey()
    const k2 = generateDataKey()
    const a = await createKeystore({ dir: join(dir, 'keys'), masterKey: await loadMasterKey({ file: keyFile }) })
    await a.put('dataset:1', k1)
    await a.put('dataset:2', k2)
    const b = await createKeystore({ dir: join(dir, 'keys'), masterKey: await loadMasterKey({ file: keyFile }) })
    expect(await b.get('dataset:1')).to.deep.equal(k1)
    expect(await b.get('dataset:2')).to.deep.equal(k2)
    expect(await b.list()).to.deep.equal(['dataset:1', 'dataset:2'])
    expect(await b.has('dataset:3')).to.equal(false)
    await b.delete('dataset:1')
    expect(await b.list()).to.deep.equal(['dataset:2'])
  })

  it('never writes a key in plaintext (raw, hex or base64) and keeps files private', async () => {
    const masterKey = await loadMasterKey({ file: join(dir, 'master.key') })
    const store = await createKeystore({ dir: join(dir, 'keys'), masterKey })
    const keys = Array.from({ length: 5 }, () => generateDataKey())
    for (const [i, k] of keys.entries()) await store.put(`k${i}`, k)
    for (const name of await readdir(join(dir, 'keys'))) {
      const bytes = await readFile(join(dir, 'keys', name))
      const text = bytes.toString('latin1')
      for (const k of keys) {
        const b = Buffer.from(k)
        expect(bytes.includes(b), `${name} holds raw key`).to.equal(false)
        expect(text.includes(b.toString('hex')), `${name} holds hex key`).to.equal(false)
        expect(text.includes(b.toString('base64')), `${name} holds base64 key`).to.equal(false)
      }
      expect((await stat(join(dir, 'keys', name))).mode & 0o077, `${name} readable by others`).to.equal(0)
    }
    expect((await stat(join(dir, 'master.key'))).mode & 0o077).to.equal(0)
  })

  it('refuses to open a keystore with another master key, naming the cause', async () => {
    await createKeystore({ dir, masterKey: generateDataKey() })
    const err = await caught(() => createKeystore({ dir, masterKey: generateDataKey() }))
    expect(err.name).to.equal('KeystoreError')
    expect(err.message).to.contain('different master key')
  })

  it('detects a sealed key file that was altered or renamed to another id', async () => {
    const store = await createKeystore({ dir, masterKey: generateDataKey() })
    await store.put('a', generateDataKey())
    const file = join(dir, 'a.key.json')
    const sealed = JSON.parse(await readFile(file, 'utf8')) as { ciphertext: string }
    await writeFile(join(dir, 'b.key.json'), JSON.stringify(sealed)) // moved to another id
    expect((await caught(() => store.get('b'))).message).to.contain('fails authentication')
    sealed.ciphertext = Buffer.from(Buffer.from(sealed.ciphertext, 'base64').map((x) => x ^ 1)).toString('base64')
    await writeFile(file, JSON.stringify(sealed))
    expect((await caught(() => store.get('a'))).name).to.equal('KeystoreError')
  })

  it('names missing keys and bad key ids', async () => {
    const store = await createKeystore({ dir, masterKey: generateDataKey() })
    expect((await caught(() => store.get('nope'))).message).to.contain('nope: no such key')
    expect((await caught(() => store.put('../escape', generateDataKey()))).message).to.contain('key id must be')
  })

  it('takes the master key from ASSAY_MASTER_KEY hex before the file, and rejects malformed hex', async () => {
    const hex = 'ab'.repeat(32)
    expect(Buffer.from(await loadMasterKey({ hex, file: join(dir, 'unused.key') })).toString('hex')).to.equal(hex)
    expect((await caught(() => loadMasterKey({ hex: 'xyz', file: join(dir, 'unused.key') }))).message).to.contain('64 hex digits')
    const created = await loadMasterKey({ file: join(dir, 'm.key') })
    expect(await loadMasterKey({ file: join(dir, 'm.key') })).to.deep.equal(created)
  })
})
