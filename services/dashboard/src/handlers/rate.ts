/**
 * @module handlers/rate
 * The page's rate control: `POST /api/rate` with `{ device, hz }`, checked against the contract's rate
 * schema and published on `{p}/{device}/_ctl/rate` through the `rate` outbound hop, under the dashboard's
 * own client id, which the broker's ACL lets publish rate commands.
 */
import { decodeRate, encodeText, isIdentifier, rateTopic } from '@sluice/contract'
import type { ServiceContext } from '@sluice/mesh'
import type { DashboardConfigSchema } from '../config.js'
import type { ApiAnswer } from '../server/http-server.js'

/** Opens the `rate` hop and returns the handler of `POST /api/rate`. */
export function createRateHandler(
  ctx: ServiceContext<typeof DashboardConfigSchema>,
): (body: unknown) => ApiAnswer {
  const { prefix, log } = ctx
  const rateOut = ctx.outbound({
    name: 'rate',
    qos: 1,
    queue: { capacity: 100, policy: 'drop-oldest' },
  })
  return (body) => {
    const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>
    if (!isIdentifier(b.device)) {
      return { status: 400, body: { error: 'device must be an identifier like "sim-1"' } }
    }
    const payload = encodeText({ hz: b.hz as number })
    const r = decodeRate(payload)
    if (!r.ok) return { status: 400, body: { error: r.error.message } }
    const topic = rateTopic(prefix, b.device)
    rateOut.publish(topic, encodeText(r.value))
    log.info({ device: b.device, hz: r.value.hz }, 'rate command sent')
    return { status: 202, body: { ok: true, topic, hz: r.value.hz } }
  }
}
