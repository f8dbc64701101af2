/**
 * @module browser/window-select
 * The window dropdown's logic, apart from the DOM: when its options must be rebuilt (when the names
 * differ, not merely their count: one name can replace another), and which window to show (the one
 * chosen, while it exists). Pure.
 */

/** True when `options` hold exactly `names`, in the same order. */
export function sameNames(options: readonly string[], names: readonly string[]): boolean {
  return options.length === names.length && options.every((o, k) => o === names[k])
}

/**
 * The window to show: `current` while it is one of `names`, else `t5s` (the default windowing's time
 * window), else the first; `undefined` when there is none.
 *
 * @example
 * ```ts
 * chooseWindow(['c100', 't5s'], undefined) // 't5s'
 * chooseWindow(['c100', 'w1m'], 't5s') // 'c100'
 * ```
 */
export function chooseWindow(
  names: readonly string[],
  current: string | undefined,
): string | undefined {
  if (current !== undefined && names.includes(current)) return current
  return names.includes('t5s') ? 't5s' : names[0]
}
