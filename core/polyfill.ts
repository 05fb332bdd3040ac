// libp2p (under Helia) calls Promise.withResolvers and Set.prototype.difference, which Node 20
// lacks. Every entry point imports this module first. It only fills what is missing, so Node 22+
// keeps its native versions. Never load it with `node --import`: worker threads inherit that flag
// and snarkjs's workers then never answer.

type Resolvers<T> = {
  promise: Promise<T>
  resolve: (value: T | PromiseLike<T>) => void
  reject: (reason?: unknown) => void
}

const promiseCtor = Promise as unknown as { withResolvers?: <T>() => Resolvers<T> }
if (typeof promiseCtor.withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: function withResolvers<T>(): Resolvers<T> {
      let resolve!: Resolvers<T>['resolve']
      let reject!: Resolvers<T>['reject']
      const promise = new Promise<T>((res, rej) => {
        resolve = res
        reject = rej
      })
      return { promise, resolve, reject }
    },
  })
}

type SetLike<T> = { has(value: T): boolean; size: number; keys(): Iterator<T> }
const setProto = Set.prototype as unknown as Record<string, unknown>

function defineSetMethod(name: string, fn: (this: Set<unknown>, other: SetLike<unknown>) => unknown): void {
  if (typeof setProto[name] !== 'function') {
    Object.defineProperty(Set.prototype, name, { configurable: true, writable: true, value: fn })
  }
}

defineSetMethod('difference', function (other) {
  const out = new Set<unknown>()
  for (const v of this) if (!other.has(v)) out.add(v)
  return out
})
defineSetMethod('intersection', function (other) {
  const out = new Set<unknown>()
  for (const v of this) if (other.has(v)) out.add(v)
  return out
})
defineSetMethod('union', function (other) {
  const out = new Set<unknown>(this)
  const it = other.keys()
  for (let r = it.next(); r.done !== true; r = it.next()) out.add(r.value)
  return out
})
defineSetMethod('isSubsetOf', function (other) {
  for (const v of this) if (!other.has(v)) return false
  return true
})

export {}
