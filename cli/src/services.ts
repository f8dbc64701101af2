/**
 * @module services
 * The services the `sluice` command runs, by subcommand, each loaded only when used: `sluice window` on a
 * Pi does not load the dashboard's code. Shared by the subcommands and by `sluice up`'s in-process mode.
 */
import type { TObject } from '@sinclair/typebox'
import type { ServiceDefinition } from '@sluice/mesh'

/** A service's definition, loaded on demand. */
export type ServiceLoader = () => Promise<ServiceDefinition<TObject>>

/** Every service subcommand and its definition. */
export const serviceDefinitions: Readonly<Record<string, ServiceLoader>> = {
  bridge: async () => (await import('@sluice/serial-bridge')).serialBridgeService,
  window: async () => (await import('@sluice/windowing')).windowingService,
  anomaly: async () => (await import('@sluice/anomaly')).anomalyService,
  forward: async () => (await import('@sluice/forwarder')).forwarderService,
  dashboard: async () => (await import('@sluice/dashboard')).dashboardService,
}
