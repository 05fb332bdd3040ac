import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'
import { openBinFile, readBinSections } from '../../scripts/bin-file.js'

describe('snarkjs binary containers (bin-file)', () => {
  let dir: string
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'assay-bin-file-'))
  })
  after(() => rm(dir, { recursive: true, force: true }))

  it('reads back the sections it wrote, parts joined', async () => {
    const file = openBinFile(join(dir, 'a.zkey'), 'zkey', 2)
    file.section(1, [new Uint8Array([1, 0, 0, 0])])
    file.section(7, [new Uint8Array([9, 8]), new Uint8Array([7])])
    file.close()
    const sections = readBinSections(await readFile(join(dir, 'a.zkey')), 'zkey')
    expect([...sections.keys()]).to.deep.equal([1, 7])
    expect([...sections.get(7)!]).to.deep.equal([9, 8, 7])
  })

  it('refuses another magic, a truncated section and bytes after the last section', async () => {
    const bytes = await readFile(join(dir, 'a.zkey'))
    expect(() => readBinSections(bytes, 'ptau')).to.throw('not a ptau file')
    expect(() => readBinSections(bytes.subarray(0, bytes.length - 1), 'zkey')).to.throw('zkey file truncated in section 7')
    expect(() => readBinSections(Buffer.concat([bytes, Buffer.from([0])]), 'zkey')).to.throw('zkey file has 1 bytes after its last section')
  })
})
