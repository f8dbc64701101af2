/**
 * @module windows/create-window
 * The one factory the windowing service needs: a name and a spec from config in, a validated operator out.
 */
import { createCountWindow } from './count.js'
import type { WindowOperator } from './operator.js'
import { createSessionWindow } from './session.js'
import { validateWindowSpec, type WindowSpec } from './spec.js'
import { createTimeWindow } from './time.js'

/**
 * Validates `spec` and creates its window operator. Throws a `StreamError` with code
 * `SLUICE_ERR_WINDOW_INVALID_SPEC` on a bad spec.
 *
 * @example
 * ```ts
 * const w = createWindow('w100', { type: 'count', size: 100, stride: 25 })
 * for (const sample of samples) w.push(sample, (a) => console.log(a.mean, a.std))
 * w.flush((a) => console.log(a))
 * ```
 */
export function createWindow(name: string, spec: WindowSpec): WindowOperator {
  const valid = validateWindowSpec(name, spec)
  switch (valid.type) {
    case 'count':
      return createCountWindow(name, valid)
    case 'time':
      return createTimeWindow(name, valid)
    case 'session':
      return createSessionWindow(name, valid)
  }
}
