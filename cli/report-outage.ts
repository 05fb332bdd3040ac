import type { NodeUnreachableError } from '../sdk/index.js'

/**
 * What a command says when the node it talks to goes away and when it is back: one sentence each,
 * on stderr, so that stdout keeps only the command's result.
 */
export function reportOutage(
  io: { err: (s: string) => void },
  node: string,
  resuming: string,
): { onLost: (err: NodeUnreachableError) => void; onBack: () => void } {
  return {
    onLost: (err) => io.err(`lost the node at ${node} (${err.reason}); waiting for it to come back…`),
    onBack: () => io.err(`the node at ${node} is back; ${resuming}`),
  }
}
