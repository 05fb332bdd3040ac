import { readFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { expect } from 'chai'
import { moduleEdges, renderModuleGraph } from '../../scripts/module-graph.js'

describe('module graph', () => {
  let root: string
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'assay-graph-'))
    const files: Record<string, string> = {
      'core/index.ts': 'export const a = 1\n',
      'storage/index.ts': "import { a } from '../core/index.js'\nexport const s = a\n",
      'pipelines/services/index.ts': "import { a } from '../../core/index.js'\nexport const r = a\n",
      'pipelines/publish/index.ts':
        "import { r } from '../services/index.js'\nimport type { S } from '../../storage/index.js'\nexport const p = r\n",
      'pipelines/index.ts': "export { p } from './publish/index.js'\n",
      'tests/a.test.ts': "import { p } from '../pipelines/index.js'\n",
    }
    for (const [path, text] of Object.entries(files)) {
      await mkdir(dirname(join(root, path)), { recursive: true })
      await writeFile(join(root, path), text)
    }
  })
  after(async () => {
    await rm(root, { recursive: true, force: true })
  })

  it("reads each folder's imports, a grouped folder's subfolders as modules of their own, type-only ones marked", () => {
    const edges = moduleEdges(root)
    expect(Object.fromEntries([...edges].map(([m, to]) => [m, Object.fromEntries(to)]))).to.deep.equal({
      core: {},
      storage: { core: false },
      pipelines: { 'pipelines/publish': false },
      'pipelines/publish': { 'pipelines/services': false, storage: true },
      'pipelines/services': { core: false },
      tests: { pipelines: false },
    })
  })

  it('draws the layers from the top down, subfolders before those they import', () => {
    expect(renderModuleGraph(root)).to.equal(
      [
        'layer 2  pipelines/ ────► publish/',
        '         ├ publish/ ────► services/  storage/ (types)',
        '         └ services/ ───► core/',
        '',
        'layer 1  storage/ ──────► core/',
        '',
        'layer 0  core/        (imports nothing of ours)',
        '',
        '(types): only type imports.  pipelines/ subfolders reach each other through their index.ts.',
        'harnesses (may import anything): tests/  bench/  scripts/',
        '',
      ].join('\n'),
    )
  })

  it('is the picture in docs/architecture.md (regenerate it with npm run graph)', () => {
    const doc = readFileSync(new URL('../../docs/architecture.md', import.meta.url), 'utf8')
    const modules = doc.slice(doc.indexOf('\n## Modules\n'))
    const picture = /```\n([\s\S]*?)```/.exec(modules)?.[1]
    expect(picture).to.equal(renderModuleGraph(process.cwd()))
  })
})
