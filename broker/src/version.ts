/** The broker package version, reported in its status message. */
export const BROKER_VERSION = '0.1.0'
