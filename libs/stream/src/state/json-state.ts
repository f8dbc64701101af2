/**
 * @module state/json-state
 * How window and detector state crosses the wire when a sensor moves to another instance (DESIGN.md §12,
 * issue 13): as JSON. JSON has no NaN, no ±Infinity and no −0, yet the operators rely on them (an empty
 * minimum is +Infinity, a first value not seen yet is NaN), and a restored operator must resume *exactly*
 * where the old one stopped. {@link encodeState} therefore writes each such number as a tagged object,
 * `{ "$n": "NaN" | "Infinity" | "-Infinity" | "-0" }`, and typed arrays as plain arrays;
 * {@link decodeState} undoes it. Every finite double survives `JSON.stringify` exactly (it prints the
 * shortest round-tripping form).
 *
 * {@link StateReader} checks a decoded state field by field, so that a state of the wrong kind, spec,
 * version or shape is refused with a `StreamError` that names the field, instead of corrupting an operator.
 */
import { StreamError } from '../errors.js'

/** The tag of a number JSON cannot hold. */
const TAG = '$n'

function encodeNumber(x: number): number | { [TAG]: string } {
  if (Number.isFinite(x)) return Object.is(x, -0) ? { [TAG]: '-0' } : x
  return { [TAG]: String(x) }
}

const tagged: Readonly<Record<string, number>> = {
  NaN: Number.NaN,
  Infinity: Number.POSITIVE_INFINITY,
  '-Infinity': Number.NEGATIVE_INFINITY,
  '-0': -0,
}

/**
 * Makes plain state data JSON-safe: numbers JSON cannot hold become tagged objects, typed arrays become
 * arrays, `undefined` properties are dropped. Throws a `TypeError` on anything else that is not plain data
 * (a Map, a function): that is a bug in the snapshot, not bad input.
 *
 * @example
 * ```ts
 * JSON.stringify(encodeState({ min: Infinity, xs: new Float64Array([1, NaN]) }))
 * // '{"min":{"$n":"Infinity"},"xs":[1,{"$n":"NaN"}]}'
 * ```
 */
export function encodeState(value: unknown): unknown {
  if (typeof value === 'number') return encodeNumber(value)
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return Array.from(value as unknown as ArrayLike<number>, encodeNumber)
  }
  if (Array.isArray(value)) return value.map(encodeState)
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = encodeState(v)
    return out
  }
  throw new TypeError(
    `State holds a value JSON cannot carry: ${Object.prototype.toString.call(value)}`,
  )
}

/**
 * Undoes {@link encodeState} on parsed JSON (typed arrays come back as arrays). Does not validate: read the
 * result with a {@link StateReader}.
 *
 * @example
 * ```ts
 * decodeState(JSON.parse('{"min":{"$n":"Infinity"}}')) // { min: Infinity }
 * ```
 */
export function decodeState(json: unknown): unknown {
  if (Array.isArray(json)) return json.map(decodeState)
  if (json === null || typeof json !== 'object') return json
  const keys = Object.keys(json)
  const tag = (json as Record<string, unknown>)[TAG]
  if (keys.length === 1 && typeof tag === 'string' && Object.hasOwn(tagged, tag)) return tagged[tag]
  const out: Record<string, unknown> = {}
  for (const k of keys) out[k] = decodeState((json as Record<string, unknown>)[k])
  return out
}

/** A plain object read from a state. */
export type StateObject = Readonly<Record<string, unknown>>

/**
 * Reads a decoded state, throwing a `StreamError` with the reader's code on the first field that does not
 * fit. Paths in messages are dotted from the state's root (`state.stats.values`).
 */
export class StateReader {
  /** `code`: the error code; `what`: the operator, as the message names it (`window "w" (count)`). */
  constructor(
    private readonly code: string,
    private readonly what: string,
  ) {}

  /** Throws the reader's error about `path`. */
  fail(path: string, problem: string): never {
    throw new StreamError(
      this.code,
      `Cannot restore ${this.what}: ${path} ${problem}. The state was probably made by another version or ` +
        `config (a different kind, spec or options); start this sensor fresh instead.`,
    )
  }

  /** A plain object. */
  object(x: unknown, path: string): StateObject {
    if (x === null || typeof x !== 'object' || Array.isArray(x)) this.fail(path, 'is not an object')
    return x as StateObject
  }

  /** A number (non-finite ones included: they come tagged). */
  number(x: unknown, path: string): number {
    if (typeof x !== 'number') this.fail(path, 'is not a number')
    return x
  }

  /** An integer ≥ `min`. */
  integer(x: unknown, path: string, min = 0): number {
    if (!Number.isInteger(x) || (x as number) < min) this.fail(path, `is not an integer ≥ ${min}`)
    return x as number
  }

  /** A boolean. */
  boolean(x: unknown, path: string): boolean {
    if (typeof x !== 'boolean') this.fail(path, 'is not a boolean')
    return x
  }

  /** A string. */
  string(x: unknown, path: string): string {
    if (typeof x !== 'string') this.fail(path, 'is not a string')
    return x
  }

  /** An array, of `length` items when given. */
  array(x: unknown, path: string, length?: number): readonly unknown[] {
    if (!Array.isArray(x)) this.fail(path, 'is not an array')
    if (length !== undefined && x.length !== length) {
      this.fail(path, `has ${x.length} items, not ${length}`)
    }
    return x
  }

  /** An array of numbers, of `length` items when given. */
  numbers(x: unknown, path: string, length?: number): number[] {
    const xs = this.array(x, path, length)
    return xs.map((v, i) => this.number(v, `${path}[${i}]`))
  }

  /** `x` must equal `expected` (a kind tag, a version, a spec parameter). */
  expect(x: unknown, path: string, expected: string | number | boolean | null): void {
    if (x !== expected)
      this.fail(path, `is ${JSON.stringify(x)}, expected ${JSON.stringify(expected)}`)
  }
}
