// Every failure the user can meet, in words that say what happened and what to do. The words come
// from the failure's category (the error's own, the node's for an AssayApiError, or the first in
// the cause chain that has one), so a new error class needs no entry here.
import { AssayError, type ErrorCategory } from '../../core/index.js'
import { ContractError } from '../../contracts/index.js'
import { AssayApiError } from '../../sdk/index.js'

const causes = (err: unknown): unknown[] => {
  const chain: unknown[] = []
  for (let e = err; e !== undefined && e !== null && chain.length < 8; e = (e as { cause?: unknown }).cause) chain.push(e)
  return chain
}
const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e))
const codeOf = (e: unknown): unknown => (e as { code?: unknown }).code
/** Ends a sentence that may already end with a stop. */
const sentence = (text: string): string => (/[.!?]$/.test(text) ? text : `${text}.`)

export interface UserError {
  /** Short title: "Wallet request rejected", "Tampered data" … */
  title: string
  message: string
}

/** The title and the words around the failure's own message, per category. */
const WORDS: Record<ErrorCategory, { title: string; message: (detail: string) => string }> = {
  'bad-input': { title: 'Invalid request', message: (d) => `${sentence(d)} Correct it and try again.` },
  unauthorised: { title: 'Operator only', message: (d) => `${sentence(d)} Sign in as this node's operator on the Sell page.` },
  forbidden: {
    title: 'No access',
    message: (d) => `${sentence(d)} This wallet may not do this; for a dataset's key, buy access first.`,
  },
  'not-found': { title: 'Not found', message: (d) => `${sentence(d)} Check the link or id: this node does not have it.` },
  conflict: { title: 'Not possible now', message: (d) => `${sentence(d)} Reload to see the current state, then try again.` },
  'too-large': { title: 'Too large', message: (d) => `${sentence(d)} Send a smaller file.` },
  'rate-limited': { title: 'Too many requests', message: (d) => `${sentence(d)} Wait a moment, then try again.` },
  tampered: { title: 'Tampered data', message: (d) => `A check failed, so nothing was trusted or saved: ${d}` },
  unavailable: { title: 'Node unreachable', message: (d) => `${sentence(d)} Is the node running? Try again in a moment.` },
  internal: {
    title: 'Internal error',
    message: (d) => `${sentence(d)} This is a fault of the node or of this app; report it if it persists.`,
  },
}

/**
 * The first error in `err`'s cause chain that has a category, with its own words: a node's
 * refusal without the error name it starts with. Undefined when nothing in the chain is an
 * AssayError (e.g. a plain Error the page made, or a browser's TypeError).
 */
export function problemOf(err: unknown): { category: ErrorCategory; detail: string; userTitle?: string } | undefined {
  const first = causes(err).find((e): e is AssayError => e instanceof AssayError)
  if (first === undefined) return undefined
  const detail = first instanceof AssayApiError ? first.message.replace(`${first.errorName}: `, '') : first.message
  const { userTitle } = first as { userTitle?: unknown }
  return { category: first.category, detail, ...(typeof userTitle === 'string' ? { userTitle } : {}) }
}

export function describeError(err: unknown): UserError {
  const chain = causes(err)
  // The wallet's own refusals are not Assay errors: ethers' code, or EIP-1193's 4001 from the wallet.
  if (chain.some((e) => codeOf(e) === 'ACTION_REJECTED' || codeOf(e) === 4001))
    return { title: 'Wallet request rejected', message: 'You declined the request in your wallet. Nothing was sent or signed.' }
  if (chain.some((e) => codeOf(e) === 'INSUFFICIENT_FUNDS'))
    return { title: 'Insufficient funds', message: 'The wallet cannot pay the price and the gas.' }
  // A revert's custom error is data of the one ContractError class; this one has a remedy of its own.
  if (chain.some((e) => e instanceof ContractError && e.errorName === 'ListingChanged'))
    return { title: 'Terms changed', message: 'The seller changed the price, token or access period; reload and try again.' }
  const problem = problemOf(err)
  if (problem === undefined) return { title: (err instanceof Error && err.name) || 'Error', message: messageOf(err) }
  // A web error with a title of its own already says what to do in its message.
  if (problem.userTitle !== undefined) return { title: problem.userTitle, message: problem.detail }
  const words = WORDS[problem.category]
  return { title: words.title, message: words.message(problem.detail) }
}
