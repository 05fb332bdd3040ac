import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { expect } from 'chai'

/** HTTP calls made by hand: the CLI and the web app reach the node only through the SDK's named methods. */
const HAND_MADE = [/\bfetch\s*\(/, /\bEventSource\b/, /\bXMLHttpRequest\b/, /\.request\s*[<(]/]

/**
 * The one exception: cli/start-node.ts's `rpc()` speaks JSON-RPC to the chain (anvil or RPC_URL)
 * while the node starts, not to an Assay node, so it is no SDK call.
 */
const EXCEPTIONS: Record<string, RegExp> = {
  'cli/start-node.ts': /\nasync function rpc\(url: string, method: string\): Promise<string> \{\n[\s\S]*?\n\}\n/,
}

/** Source text without comments (a comment may name what it does not do). */
const codeOf = (text: string): string => text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1')

/** Each hand-made HTTP call in a source text, as `line: code`. */
function handMadeCalls(text: string): string[] {
  return codeOf(text)
    .split('\n')
    .flatMap((line, i) => (HAND_MADE.some((p) => p.test(line)) ? [`${i + 1}: ${line.trim()}`] : []))
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name)
    if (e.isDirectory()) return sourceFiles(p)
    return /\.(ts|mts|tsx)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : []
  })
}

describe('one HTTP client: the SDK', () => {
  it('finds fetch, EventSource, XMLHttpRequest and client.request calls when a source has them', () => {
    const planted = [
      'const res = await fetch(new URL("/health", node))',
      'const source = new EventSource(url)',
      'const xhr = new XMLHttpRequest()',
      'await ctx.client.request<X>("/streams")',
      'await client.request("/streams")',
    ]
    expect(planted.map((line) => handMadeCalls(line).length)).to.deep.equal([1, 1, 1, 1, 1])
    expect(handMadeCalls('// fetch(url) is the SDK’s\nawait client.streams()\nawait client.requestKey(s, 1n, c)')).to.deep.equal([])
  })

  it('leaves the CLI and the web app no HTTP call of their own (beyond the chain RPC of assay node)', () => {
    const root = process.cwd()
    const found: string[] = []
    for (const file of [...sourceFiles(join(root, 'cli')), ...sourceFiles(join(root, 'web', 'src'))]) {
      const rel = relative(root, file).split('\\').join('/')
      let text = readFileSync(file, 'utf8')
      const exception = EXCEPTIONS[rel]
      if (exception !== undefined) {
        expect(exception.test(text), `${rel} no longer has the exception's code: update EXCEPTIONS`).to.equal(true)
        text = text.replace(exception, '\n')
      }
      found.push(...handMadeCalls(text).map((call) => `${rel}:${call}`))
    }
    expect(found, 'call the node through createAssayClient’s methods (sdk/assay-client.ts)').to.deep.equal([])
  })
})
