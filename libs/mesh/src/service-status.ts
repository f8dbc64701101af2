/**
 * @module service-status
 * A service's retained status on `{p}/_sys/{service}/{instance}/status` (DESIGN.md §3): `online` while it
 * runs, `offline` on a graceful stop, and the same `offline` as its last will for a crash. It is also the
 * member record of the instance's group (group/membership-view.ts): group, weight and epoch ride along.
 */
import { hostname } from 'node:os'
import { encodeText, type ServiceStatus } from '@sluice/contract'

/** Who a status is about. */
export interface StatusSubject {
  readonly name: string
  readonly version: string
  readonly instance: string
  /** The group it shares sensors in, its weight there, and when this incarnation started (§12). */
  readonly group: string
  readonly weight: number
  readonly epoch: number
}

/** The status payload of `subject` in `state`, in that state `since` (ms since the epoch). */
export function statusPayload(
  state: 'online' | 'offline',
  subject: StatusSubject,
  since: number,
  leaving = false,
): string {
  const status: ServiceStatus = {
    state,
    version: subject.version,
    host: hostname(),
    since,
    service: subject.name,
    instance: subject.instance,
    pid: process.pid,
    group: subject.group,
    weight: subject.weight,
    epoch: subject.epoch,
    ...(leaving ? { leaving } : {}),
  }
  return encodeText(status)
}
