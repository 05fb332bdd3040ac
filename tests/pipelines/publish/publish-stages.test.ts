import { readFileSync } from 'node:fs'
import { expect } from 'chai'
import { FINAL_PUBLISH_STAGE, PUBLISH_STAGE_DECLARATIONS, PUBLISH_STAGES } from '../../../pipelines/publish/index.js'

const doc = (name: string): string => readFileSync(new URL(`../../../docs/${name}`, import.meta.url), 'utf8')

/** The text of a markdown section, from its heading to the next heading of the same level or higher. */
function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`${heading}\n`)
  expect(start, `section "${heading}"`).to.be.at.least(0)
  const level = /^#+/.exec(heading)![0]
  const rest = markdown.slice(start + heading.length)
  const end = rest.search(new RegExp(`^#{1,${level.length}} `, 'm'))
  return end < 0 ? rest : rest.slice(0, end)
}

describe('PUBLISH_STAGES', () => {
  it('declares every stage after the one before it, so the flow and the in-process path run the same order', () => {
    expect(PUBLISH_STAGE_DECLARATIONS.map((s) => s.after)).to.deep.equal([null, ...PUBLISH_STAGES.slice(0, -1)])
    expect(PUBLISH_STAGE_DECLARATIONS.map((s) => s.name)).to.deep.equal([...PUBLISH_STAGES])
    expect(FINAL_PUBLISH_STAGE).to.equal(PUBLISH_STAGES.at(-1))
    for (const s of PUBLISH_STAGE_DECLARATIONS) expect(s.does, s.name).to.match(/^[a-z].{10,}/)
  })

  it('is the stage table of docs/publishing.md, in the same order', () => {
    const rows = section(doc('publishing.md'), '## What publishing does')
      .split('\n')
      .filter((line) => line.startsWith('| ') && !line.startsWith('| -'))
      .map((line) => line.split('|')[1]!.trim())
    expect(rows.slice(0, 1)).to.deep.equal(['stage'])
    expect(rows.slice(1)).to.deep.equal([...PUBLISH_STAGES])
  })

  it('is the stage list of docs/architecture.md, in the same order', () => {
    const moves = section(doc('architecture.md'), '## How a publication moves through the modules')
    const item = /^2\. The BullMQ flow runs its stages in order[\s\S]*?(?=^\d+\. )/m.exec(moves)?.[0]
    expect(item, 'item 2 of the list').to.be.a('string')
    const named = [...item!.matchAll(/`([a-z]+)`/g)].map((m) => m[1])
    expect(named).to.deep.equal([...PUBLISH_STAGES])
  })
})
