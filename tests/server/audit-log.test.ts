import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'
import { openAuditLog } from '../../server/index.js'

describe('key-release audit log', () => {
  it('rotates by size and keeps a bounded number of files, every entry whole and in order', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'assay-audit-'))
    try {
      const path = join(dir, 'audit.jsonl')
      const log = openAuditLog(path, { maxBytes: 1_000, keep: 2, now: () => new Date(0) })
      // Half the entries carry multi-byte text: the size cap is in bytes, not characters.
      for (let i = 0; i < 100; i++)
        log.append({ outcome: 'refused', reason: 'NoAccessError', nonce: String(i), ...(i % 2 === 0 ? { remote: 'ü'.repeat(200) } : {}) })
      expect((await readdir(dir)).sort()).to.deep.equal(['audit.jsonl', 'audit.jsonl.1', 'audit.jsonl.2'])
      const lines = async (f: string): Promise<Array<{ nonce: string }>> =>
        (await readFile(join(dir, f), 'utf8'))
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as { nonce: string })
      const kept = [...(await lines('audit.jsonl.2')), ...(await lines('audit.jsonl.1')), ...(await lines('audit.jsonl'))]
      for (const f of ['audit.jsonl', 'audit.jsonl.1', 'audit.jsonl.2']) expect((await readFile(join(dir, f))).length).to.be.at.most(1_000)
      // The newest entries, contiguous and in order; older ones rotated away.
      const nonces = kept.map((e) => Number(e.nonce))
      expect(nonces.at(-1)).to.equal(99)
      expect(nonces).to.deep.equal(Array.from({ length: nonces.length }, (_, i) => 100 - nonces.length + i))
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
