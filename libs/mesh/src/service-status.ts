/**
 * @module service-status
 * A service's retained status on `{p}/_sys/{service}/{instance}/status` (DESIGN.md §3): `online` while it
 * runs, `offline` on a graceful stop, and the same `offline` as its last will for a crash.
 */
import { hostname } from 'node:os'
import { encodeText, type ServiceStatus } from '@sluice/contract'

/** Who a status is about. */
export interface StatusSubject {
  readonly name: string
  readonly version: string
  readonly instance: string
}

/** The status payload of `subject` in `state`, in that state `since` (ms since the epoch). */
export function statusPayload(
  state: 'online' | 'offline',
  subject: StatusSubject,
  since: number,
): string {
  const status: ServiceStatus = {
    state,
    version: subject.version,
    host: hostname(),
    since,
    service: subject.name,
    instance: subject.instance,
    pid: process.pid,
  }
  return encodeText(status)
}
