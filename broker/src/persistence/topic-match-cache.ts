/**
 * @module persistence/topic-match-cache
 * Aedes asks its persistence which stored subscriptions match the topic of every QoS 1/2 message it routes
 * (`enqueueOffline` in aedes.js), and both persistences we use answer by walking a QlobberSub trie: the
 * topic split at every `/`, a level of the trie per part, a new array of matches. A mesh has few topics
 * (one per sensor and kind) and its subscriptions change only when a service comes, goes or rebalances, so
 * the answer per topic is kept here and forgotten whenever a subscription is added or removed. At 100
 * sensors × 100 Hz, one sample per message, the walk was 1.3 % of the one process's profile (issue 16).
 *
 * The cache sees every change because every change goes through these methods of the persistence object:
 * Aedes calls them, and so do the persistences themselves (their `cleanSubscriptions` calls
 * `removeSubscriptions` of the same object, or changes the trie inside it, and is wrapped too). A
 * persistence with `broadcastSubscriptions` (several brokers sharing one store) would also change its trie
 * from other brokers' messages, behind these methods; the broker creates both persistences without it.
 */

/** The part of an Aedes 1.x persistence this wrapper touches. */
interface SubscriptionStore {
  subscriptionsByTopic(topic: string): Promise<unknown[]>
  addSubscriptions(...args: unknown[]): Promise<unknown>
  removeSubscriptions(...args: unknown[]): Promise<unknown>
  cleanSubscriptions(...args: unknown[]): Promise<unknown>
  setup?(...args: unknown[]): Promise<unknown>
}

/** The methods that change which subscriptions are stored (`setup` loads the durable store's). */
const CHANGES = ['addSubscriptions', 'removeSubscriptions', 'cleanSubscriptions', 'setup'] as const

/**
 * Wraps a persistence object in place so that `subscriptionsByTopic` answers a topic from a cache of at
 * most `maxTopics` topics (emptied when full), emptied whenever the stored subscriptions change. A change
 * empties it when it starts and again when it ends, and an answer looked up across a change is not kept,
 * so no answer from before a change is given after it.
 *
 * @example
 * const persistence = memoryPersistence()
 * cacheTopicMatches(persistence)
 * await persistence.subscriptionsByTopic('sluice/d1/temp/raw') // walks the trie
 * await persistence.subscriptionsByTopic('sluice/d1/temp/raw') // the same array, from the cache
 */
export function cacheTopicMatches(persistence: object, maxTopics = 10_000): void {
  const target = persistence as SubscriptionStore
  const byTopic = target.subscriptionsByTopic.bind(target)
  const cache = new Map<string, unknown[]>()
  let generation = 0
  const forget = (): void => {
    generation++
    cache.clear()
  }
  target.subscriptionsByTopic = async (topic) => {
    const hit = cache.get(topic)
    if (hit !== undefined) return hit
    const asked = generation
    const subs = await byTopic(topic)
    if (asked === generation) {
      if (cache.size >= maxTopics) cache.clear()
      cache.set(topic, subs)
    }
    return subs
  }
  for (const name of CHANGES) {
    const change = target[name]?.bind(target)
    if (change === undefined) continue
    target[name] = async (...args: unknown[]) => {
      forget()
      try {
        return await change(...args)
      } finally {
        forget()
      }
    }
  }
}
