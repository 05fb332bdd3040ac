import type { RouteContract } from './route-contract.js'

/**
 * A route's answer checked against its contract for `status`: the schema's output (undeclared
 * fields dropped), or the first problem as `field: message`; `undeclared` when the contract gives
 * that status no JSON body. The server (what it sends) and the SDK (what it receives) both read it.
 */
export function parseResponse(
  route: RouteContract,
  status: number,
  body: unknown,
): { ok: true; data: unknown } | { ok: false; problem: string } | 'undeclared' {
  const schema = route.responses[status]?.body
  if (schema === undefined) return 'undeclared'
  const parsed = schema.safeParse(body)
  if (parsed.success) return { ok: true, data: parsed.data }
  const issue = parsed.error.issues[0]!
  return { ok: false, problem: `${issue.path.join('.') || 'body'}: ${issue.message}` }
}
