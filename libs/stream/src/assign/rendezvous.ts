/**
 * @module assign/rendezvous
 * Weighted rendezvous (highest random weight, HRW) hashing: which member of a group owns a key
 * (DESIGN.md §12, issue 13). Every member computes the same owner from the same member list, with no
 * coordination: each (key, member) pair gets a pseudo-random score, and the highest score wins. A join
 * takes about w/(W + w) of the keys (1/(n+1) with equal weights) and moves nothing else; a leave moves
 * only the leaver's keys. Weights use the logarithmic method of Schindelhauer and Schomaker ("Weighted
 * distributed hash tables", SPAA 2005): score = −w / ln(u), u uniform in (0, 1), which gives member i a
 * share w_i / Σw exactly in expectation, and stays minimal-disruption when one weight changes.
 */

/** A member of a group, as the assignment sees it. */
export interface RendezvousMember {
  readonly id: string
  /** Relative share (> 0); 1 by default. */
  readonly weight?: number
}

/**
 * A 53-bit hash of a string, uniform enough for assignment (two 32-bit multiply-xorshift lanes, after
 * bryc's public-domain cyrb53): not cryptographic, but stable across processes, platforms and versions,
 * which is what every member computing the same answer needs.
 */
export function hash53(text: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed
  let h2 = 0x41c6ce57 ^ seed
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    h1 = Math.imul(h1 ^ c, 2654435761)
    h2 = Math.imul(h2 ^ c, 1597334677)
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909)
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909)
  return 4294967296 * (2097151 & h2) + (h1 >>> 0)
}

/** The score of `member` for `key`: higher wins. */
export function rendezvousScore(key: string, member: RendezvousMember): number {
  // u in (0, 1): never 0 (ln 0) nor 1 (a zero denominator).
  const u = (hash53(`${member.id}\u0000${key}`) + 0.5) / 2 ** 53
  return -(member.weight ?? 1) / Math.log(u)
}

/**
 * The member that owns `key`, or `undefined` for an empty group. Ties (astronomically rare) go to the
 * smaller id, so the answer never depends on the order of `members`.
 *
 * @example
 * ```ts
 * ownerOf('pump-1/current', [{ id: 'pi' }, { id: 'laptop', weight: 3 }]) // 'laptop' about 3 times in 4
 * ```
 */
export function ownerOf(key: string, members: readonly RendezvousMember[]): string | undefined {
  let best: string | undefined
  let bestScore = -Infinity
  for (const m of members) {
    const s = rendezvousScore(key, m)
    if (s > bestScore || (s === bestScore && best !== undefined && m.id < best)) {
      best = m.id
      bestScore = s
    }
  }
  return best
}

/**
 * The owner of every key: member id → the keys it owns (members owning none are present, empty).
 *
 * @example
 * ```ts
 * assignKeys(['a/x', 'a/y', 'b/x'], [{ id: 'w1' }, { id: 'w2' }]) // Map { 'w1' => [...], 'w2' => [...] }
 * ```
 */
export function assignKeys(
  keys: Iterable<string>,
  members: readonly RendezvousMember[],
): Map<string, string[]> {
  const byMember = new Map<string, string[]>(members.map((m) => [m.id, []]))
  for (const key of keys) {
    const owner = ownerOf(key, members)
    if (owner !== undefined) byMember.get(owner)?.push(key)
  }
  return byMember
}
