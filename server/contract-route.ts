import type { Request, Response } from 'express'
import type { z } from 'zod'
import { parseResponse, type ResponseBody, type RouteContract } from '../api/index.js'
import { AssayError } from '../core/index.js'
import { parseInput } from './validation-error.js'

/** The node was about to answer with a body its own contract does not allow (a bug: 500, logged). */
export class ResponseContractError extends AssayError {
  override readonly category = 'internal' as const
  constructor(
    readonly route: string,
    message: string,
  ) {
    super(`${route}: the answer breaks the API contract: ${message}`)
    this.name = 'ResponseContractError'
  }
}

type Output<S> = S extends z.ZodType ? z.output<S> : undefined

/** A request's path parameters, query and JSON body, each validated by the route's contract (400 naming the field). */
export function requestOf<R extends RouteContract>(
  route: R,
  req: Request,
  makeError?: (message: string) => Error,
): { params: Output<R['params']>; query: Output<R['query']>; body: Output<R['body']> } {
  const parse = (schema: z.ZodType | undefined, value: unknown, what: string): never =>
    (schema === undefined ? undefined : parseInput(schema, value, what, makeError)) as never
  return {
    params: parse(route.params, req.params, 'params'),
    query: parse(route.query, req.query, 'query'),
    body: parse(route.body, req.body, 'body'),
  }
}

/** A body checked against the route's contract for `status`; what is sent is the schema's output (nothing else leaks). */
export function checkedBody<R extends RouteContract, S extends number & keyof R['responses']>(
  route: R,
  status: S,
  body: ResponseBody<R, S>,
): ResponseBody<R, S> {
  const parsed = parseResponse(route, status, body)
  const name = `${route.method.toUpperCase()} ${route.path}`
  if (parsed === 'undeclared') throw new ResponseContractError(name, `no JSON body declared for ${status}`)
  if (!parsed.ok) throw new ResponseContractError(name, parsed.problem)
  return parsed.data as ResponseBody<R, S>
}

/** Answers with `status` and a JSON body the route's contract allows. */
export function reply<R extends RouteContract, S extends number & keyof R['responses']>(
  res: Response,
  route: R,
  status: S,
  body: ResponseBody<R, S>,
): void {
  res.status(status).json(checkedBody(route, status, body))
}
