import type { z } from 'zod'

export type HttpMethod = 'get' | 'post' | 'delete'

/**
 * Who may call a route: anyone (`public`; reads, and writes that carry their own signature: a
 * buyer's key request, a device's readings), or only the node's operator (token or session).
 */
export type RouteAccess = 'public' | 'operator'

/** One response of a route: a JSON body described by `body`, or another content type. */
export interface ResponseContract {
  description: string
  /** The JSON body; a route's error statuses use `errorBodySchema`. */
  body?: z.ZodType
  /** The content type when the body is not JSON (a CAR, a PNG, server-sent events). */
  contentType?: string
  /** For server-sent events: the JSON of each event's `data`. */
  events?: z.ZodType
}

/**
 * A route of the node's HTTP API, declared once: the server validates what it receives and sends
 * with these schemas, the OpenAPI document is generated from them, and the SDK's types are
 * inferred from them.
 */
export interface RouteContract {
  method: HttpMethod
  /** Express-style path (`/datasets/:id`). */
  path: string
  summary: string
  access: RouteAccess
  params?: z.ZodObject
  query?: z.ZodObject
  /** A JSON request body. */
  body?: z.ZodType
  /** A multipart request: these text fields, plus the `file` part. */
  form?: z.ZodObject
  /** A request body that is neither JSON nor multipart (e.g. NDJSON), described in words. */
  rawBody?: { contentType: string; description: string }
  responses: Readonly<Record<number, ResponseContract>>
}

/** Declares a route, keeping its literal types (the SDK infers its bodies from them). */
export function defineRoute<const R extends RouteContract>(route: R): R {
  return route
}

type ResponseOf<R extends RouteContract, S extends number> = S extends keyof R['responses'] ? R['responses'][S] : never

/** The JSON body a route answers with status `S`. */
export type ResponseBody<R extends RouteContract, S extends number = 200> =
  ResponseOf<R, S> extends { body: infer B extends z.ZodType } ? z.output<B> : never

/** The data of each server-sent event of a route. */
export type EventData<R extends RouteContract, S extends number = 200> =
  ResponseOf<R, S> extends { events: infer B extends z.ZodType } ? z.output<B> : never

/** The JSON body a route takes, as a client writes it (before defaults). */
export type RequestBody<R extends RouteContract> = R extends { body: infer B extends z.ZodType } ? z.input<B> : never

/** The multipart text fields a route takes, as a client writes them. */
export type FormFields<R extends RouteContract> = R extends { form: infer B extends z.ZodType } ? z.input<B> : never

/** The query parameters a route takes, as a client writes them. */
export type QueryOf<R extends RouteContract> = R extends { query: infer B extends z.ZodType } ? z.input<B> : never

/** `/datasets/:id` → `/datasets/{id}`, and a wildcard `/ipfs/:cid/*path` → `/ipfs/{cid}/{path}` (OpenAPI's form). */
export function openApiPath(path: string): string {
  return path.replace(/[:*](\w+)/g, '{$1}')
}
