// Every failure the user can meet, in words that say what happened and what to do.
const causes = (err: unknown): unknown[] => {
  const chain: unknown[] = []
  for (let e = err; e !== undefined && e !== null && chain.length < 8; e = (e as { cause?: unknown }).cause) chain.push(e)
  return chain
}
const nameOf = (e: unknown): string => (e instanceof Error ? e.name : '')
const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e))

export interface UserError {
  /** Short title: "Wallet request rejected", "Tampered data" … */
  title: string
  message: string
}

export function describeError(err: unknown): UserError {
  const chain = causes(err)
  const rejected = chain.some(
    (e) =>
      (e as { code?: unknown }).code === 'ACTION_REJECTED' ||
      (e as { code?: unknown }).code === 4001 ||
      nameOf(e) === 'WalletRejectedError',
  )
  if (rejected) return { title: 'Wallet request rejected', message: 'You declined the request in your wallet. Nothing was sent or signed.' }
  const find = (...names: string[]): unknown => chain.find((e) => names.includes(nameOf(e)))
  const wrong = find('WrongNetworkError', 'NoWalletError')
  if (wrong !== undefined) return { title: nameOf(wrong) === 'NoWalletError' ? 'No wallet' : 'Wrong network', message: messageOf(wrong) }
  const tampered = find(
    'VerificationError',
    'ContentCorruptedError',
    'EnvelopeTamperedError',
    'TruncatedEnvelopeError',
    'TarFormatError',
    'ArtifactError',
  )
  if (tampered !== undefined)
    return {
      title: 'Tampered data',
      message: `A check failed, so nothing was trusted or saved: ${messageOf(tampered)}`,
    }
  const unreachable = find('NodeUnreachableError')
  if (unreachable !== undefined) return { title: 'Node unreachable', message: `${messageOf(unreachable)}. Is the node running?` }
  const api = chain.find((e) => nameOf(e) === 'AssayApiError') as { status: number; errorName: string; message: string } | undefined
  if (api !== undefined) {
    const code = api.errorName
    if (code === 'NoAccessError')
      return { title: 'No access', message: 'This wallet holds no valid access token for the dataset. Buy access first.' }
    if (code === 'NetworkError') return { title: 'Node unreachable', message: `${api.message}. Is the node running?` }
    if (code === 'OperatorAuthError') return { title: 'Operator only', message: api.message.replace(`${code}: `, '') }
    if (code === 'ForeignRequestError') return { title: 'Refused', message: api.message.replace(`${code}: `, '') }
    return { title: code || 'Request failed', message: api.message.replace(`${code}: `, '') }
  }
  const contract = find('ContractError') as { errorName?: string; message: string } | undefined
  if (contract !== undefined) {
    if (contract.errorName === 'ListingChanged')
      return { title: 'Terms changed', message: 'The seller changed the price, token or access period; reload and try again.' }
    return { title: 'Transaction failed', message: contract.message }
  }
  if (chain.some((e) => (e as { code?: unknown }).code === 'INSUFFICIENT_FUNDS'))
    return { title: 'Insufficient funds', message: 'The wallet cannot pay the price and the gas.' }
  return { title: nameOf(err) || 'Error', message: messageOf(err) }
}
