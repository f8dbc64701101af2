/**
 * @module errors
 * Every failure of the dashboard, each with a stable code (`SLUICE_ERR_DASHBOARD_…`, listed in
 * `docs/errors.md`), on the shared `SluiceError` base.
 */
import { defineError } from '@sluice/contract'

/** Every error code of the dashboard. */
export const DashboardErrorCode = {
  /** Asked to listen beyond loopback without credentials and without `allowAnonymous` (DESIGN.md §11). */
  Insecure: 'SLUICE_ERR_DASHBOARD_INSECURE',
  /** The HTTP server could not listen (port in use, address not on this machine). */
  Listen: 'SLUICE_ERR_DASHBOARD_LISTEN',
} as const

/** One of the codes in {@link DashboardErrorCode}. */
export type DashboardErrorCode = (typeof DashboardErrorCode)[keyof typeof DashboardErrorCode]

/** The dashboard would be reachable from other machines with nobody asked to log in. */
export const DashboardInsecureError = defineError(DashboardErrorCode.Insecure, {
  name: 'DashboardInsecureError',
})
export type DashboardInsecureError = InstanceType<typeof DashboardInsecureError>

/** The HTTP server could not start listening. */
export const DashboardListenError = defineError(DashboardErrorCode.Listen, {
  name: 'DashboardListenError',
})
export type DashboardListenError = InstanceType<typeof DashboardListenError>
