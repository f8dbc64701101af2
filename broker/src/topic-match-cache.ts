/**
 * @module topic-match-cache
 * Which subscriptions match a topic, asked of two tries for every message the broker routes (issue 16):
 * - Aedes' router (mqemitter) asks its Qlobber for the listeners of every message's topic;
 * - for every QoS 1/2 message Aedes also asks its persistence for the stored subscriptions that match
 *   (`enqueueOffline` in aedes.js), and both persistences we use walk a QlobberSub trie.
 *
 * Each walk splits the topic at every `/`, descends a level of the trie per part and builds a new array. A
 * mesh has few topics (one per sensor and kind) and its subscriptions change only when a service comes,
 * goes or rebalances, so the answer per topic is kept and forgotten whenever a subscription is added or
 * removed. At 100 sensors × 100 Hz, one sample per message, the persistence's walk was 1.3 % of the one
 * process's profile and the router's split 1.3 %.
 *
 * A cache sees every change because every change goes through the wrapped methods: Aedes and mqemitter
 * call them, and so do the persistences themselves (their `cleanSubscriptions` calls `removeSubscriptions`
 * of the same object, or changes the trie inside it, and is wrapped too). A persistence with
 * `broadcastSubscriptions` (several brokers sharing one store) would also change its trie from other
 * brokers' messages, behind these methods; the broker creates both persistences without it.
 */
import type { RouterMatcher } from './aedes-internals.js'

/** The most topics a cache holds; past it, answers are not kept (as in the hops' per-topic caches). */
const MAX_TOPICS = 10_000

/** Answers per topic, emptied by `forget`; `generation` tells an answer looked up across a change. */
function createAnswers<T>(maxTopics: number) {
  const cache = new Map<string, T>()
  let generation = 0
  return {
    get: (topic: string): T | undefined => cache.get(topic),
    get generation() {
      return generation
    },
    /** Keeps `answer` if no change came since `asked` (a generation; by default, now). */
    keep(topic: string, answer: T, asked = generation): void {
      if (asked === generation && cache.size < maxTopics) cache.set(topic, answer)
    },
    forget(): void {
      generation++
      cache.clear()
    },
  }
}

/** The part of an Aedes 1.x persistence the persistence cache touches. */
interface SubscriptionStore {
  subscriptionsByTopic(topic: string): Promise<unknown[]>
  addSubscriptions(...args: unknown[]): Promise<unknown>
  removeSubscriptions(...args: unknown[]): Promise<unknown>
  cleanSubscriptions(...args: unknown[]): Promise<unknown>
  setup?(...args: unknown[]): Promise<unknown>
}

/** The persistence's methods that change which subscriptions are stored (`setup` loads the durable store's). */
const STORE_CHANGES = [
  'addSubscriptions',
  'removeSubscriptions',
  'cleanSubscriptions',
  'setup',
] as const

/**
 * Wraps a persistence object in place so that `subscriptionsByTopic` answers a topic from a cache of at
 * most `maxTopics` topics, emptied whenever the stored subscriptions change. A change
 * empties it when it starts and again when it ends, and an answer looked up across a change is not kept,
 * so no answer from before a change is given after it.
 *
 * @example
 * const persistence = memoryPersistence()
 * cacheTopicMatches(persistence)
 * await persistence.subscriptionsByTopic('sluice/d1/temp/raw') // walks the trie
 * await persistence.subscriptionsByTopic('sluice/d1/temp/raw') // the same array, from the cache
 */
export function cacheTopicMatches(persistence: object, maxTopics = MAX_TOPICS): void {
  const target = persistence as SubscriptionStore
  const byTopic = target.subscriptionsByTopic.bind(target)
  // The settled promise is what is kept: a hit hands out the same one again, no new object per message.
  const answers = createAnswers<Promise<unknown[]>>(maxTopics)
  target.subscriptionsByTopic = (topic) => {
    const hit = answers.get(topic)
    if (hit !== undefined) return hit
    const asked = answers.generation
    const found = byTopic(topic)
    // Kept once it has answered (a failed lookup is not), unless a change came in between.
    found.then(
      () => answers.keep(topic, found, asked),
      () => undefined,
    )
    return found
  }
  for (const name of STORE_CHANGES) {
    const change = target[name]?.bind(target)
    if (change === undefined) continue
    target[name] = async (...args: unknown[]) => {
      answers.forget()
      try {
        return await change(...args)
      } finally {
        answers.forget()
      }
    }
  }
}

/**
 * Wraps the router's matcher (`routerMatcher` of `aedes-internals`) in place so that `match` answers a
 * topic from a cache of at most `maxTopics` topics, emptied by every `add`, `remove` and `clear`. All four
 * are synchronous, so no answer can be looked up across a change.
 *
 * @example
 * cacheRouterMatches(routerMatcher(aedes))
 */
export function cacheRouterMatches(matcher: RouterMatcher, maxTopics = MAX_TOPICS): void {
  const match = matcher.match.bind(matcher)
  const answers = createAnswers<unknown[]>(maxTopics)
  matcher.match = (topic) => {
    const hit = answers.get(topic)
    if (hit !== undefined) return hit
    const found = match(topic)
    answers.keep(topic, found)
    return found
  }
  for (const name of ['add', 'remove', 'clear'] as const) {
    const change = matcher[name].bind(matcher) as (...args: unknown[]) => unknown
    ;(matcher[name] as (...args: unknown[]) => unknown) = (...args) => {
      answers.forget()
      return change(...args)
    }
  }
}
