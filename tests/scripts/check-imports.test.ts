import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { expect } from 'chai'
import { checkImports, importsOf } from '../../scripts/check-imports.js'

async function tree(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'assay-imports-'))
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true })
    await writeFile(join(root, path), text)
  }
  return root
}

describe('checkImports', () => {
  const roots: string[] = []
  const check = async (files: Record<string, string>): Promise<string[]> => {
    const root = await tree(files)
    roots.push(root)
    return checkImports(root).map((v) => `${v.file}: ${v.message}`)
  }
  after(async () => {
    for (const r of roots) await rm(r, { recursive: true, force: true })
  })

  it('passes the project itself', () => {
    expect(checkImports(process.cwd())).to.deep.equal([])
  })

  it('accepts imports that point down through public entries', async () => {
    expect(
      await check({
        'core/index.ts': 'export const a = 1\n',
        'storage/index.ts': "import { a } from '../core/index.js'\nexport const b = a\n",
        'server/index.ts': "import { b } from '../storage/index.js'\nexport const c = b\n",
      }),
    ).to.deep.equal([])
  })

  it('rejects an import that points up a layer', async () => {
    const v = await check({ 'core/index.ts': "import { x } from '../server/index.js'\n", 'server/index.ts': 'export const x = 1\n' })
    expect(v.join('\n')).to.contain('core/ (layer 0) must not import server/ (layer 3)')
  })

  it('rejects a sideways import between folders of one layer', async () => {
    const v = await check({ 'circuits/index.ts': "import { x } from '../storage/index.js'\n", 'storage/index.ts': 'export const x = 1\n' })
    expect(v.join('\n')).to.contain('circuits/ (layer 1) must not import storage/ (layer 1)')
  })

  it("rejects reaching into another folder's internals", async () => {
    const v = await check({
      'core/errors.ts': 'export class E {}\n',
      'core/index.ts': "export * from './errors.js'\n",
      'storage/index.ts': "import { E } from '../core/errors.js'\n",
    })
    expect(v.join('\n')).to.contain('reaches into core/errors.ts')
  })

  it('finds a file-level import cycle', async () => {
    const v = await check({
      'core/a.ts': "import { b } from './b.js'\nexport const a = 1\n",
      'core/b.ts': "import { a } from './a.js'\nexport const b = 2\n",
    })
    expect(v.join('\n')).to.match(/import cycle: core\/(a|b)\.ts -> core\/(a|b)\.ts -> core\/(a|b)\.ts/)
  })

  it("rejects reaching into a sibling subfolder of pipelines/, but not through the subfolder's index.ts", async () => {
    const v = await check({
      'pipelines/import/plan.ts': 'export const plan = 1\n',
      'pipelines/import/index.ts': "export { plan } from './plan.js'\n",
      'pipelines/publish/stage.ts': "import { plan } from '../import/plan.js'\nexport const stage = plan\n",
      'pipelines/publish/list.ts': "import { plan } from '../import/index.js'\nexport const list = plan\n",
      'pipelines/publish/index.ts': "export { stage } from './stage.js'\nexport { list } from './list.js'\n",
      'pipelines/index.ts': "export { plan } from './import/plan.js'\nexport { stage } from './publish/index.js'\n",
    })
    expect(v).to.deep.equal([
      'pipelines/index.ts: reaches into pipelines/import/plan.ts; import pipelines/import/index.ts (or node.ts) instead',
      'pipelines/publish/stage.ts: reaches into pipelines/import/plan.ts; import pipelines/import/index.ts (or node.ts) instead',
    ])
  })

  it('finds a cycle among the subfolders of pipelines/ even when no file-level cycle exists', async () => {
    const v = await check({
      'pipelines/import/read.ts': "import { list } from '../publish/index.js'\nexport const read = list\n",
      'pipelines/import/plan.ts': 'export const plan = 1\n',
      'pipelines/import/index.ts': "export { read } from './read.js'\nexport { plan } from './plan.js'\n",
      'pipelines/publish/list.ts': 'export const list = 1\n',
      'pipelines/publish/stage.ts': "import { plan } from '../import/index.js'\nexport const stage = plan\n",
      'pipelines/publish/index.ts': "export { list } from './list.js'\n",
    })
    expect(v).to.deep.equal(['pipelines/import/: subfolder cycle: pipelines/import/ -> pipelines/publish/ -> pipelines/import/'])
  })

  it('rejects Node-only code reachable from a browser entry, but not type-only imports of it', async () => {
    const v = await check({
      'core/index.ts': "export { readIt } from './read.js'\n",
      'core/read.ts': "import { readFileSync } from 'node:fs'\nexport const readIt = readFileSync\n",
      'circuits/index.ts': "export type { Thing } from './thing.js'\n",
      'circuits/thing.ts': "import { Redis } from 'ioredis'\nexport type Thing = Redis\n",
    })
    expect(v).to.have.length(1)
    expect(v[0]).to.contain("core/read.ts: imports Node-only 'node:fs' but is reachable from browser entry core/index.ts")
  })

  it('reads static, dynamic, require and side-effect imports, ignoring comments', () => {
    const refs = importsOf(
      "import a from './a.js'\n// import z from './z.js'\nexport type { T } from './t.js'\nconst m = await import('./m.js')\nrequire('./r.cjs')\nimport './side.js'\n",
    )
    expect(refs).to.deep.equal([
      { spec: './a.js', typeOnly: false },
      { spec: './t.js', typeOnly: true },
      { spec: './m.js', typeOnly: false },
      { spec: './r.cjs', typeOnly: false },
      { spec: './side.js', typeOnly: false },
    ])
  })
})
