import type { ProbeResult } from '../engine/environment/probe.ts';

/**
 * What the UI may ask of the engine. The CLI builds it; tests may build it over a lab. The UI
 * itself does no I/O.
 */
export interface TuiServices {
  /** The kubeconfig context, or undefined with no cluster. */
  context?: string;
  /** The config file in use, or undefined. */
  configFile?: string;
  /** Checks every configured source. */
  probe(): Promise<ProbeResult[]>;
}
