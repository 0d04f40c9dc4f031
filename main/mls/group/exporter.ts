// RFC 9420 §8.5: MLS-Exporter over the current epoch's exporter_secret.

import { mlsExporter } from '../schedule/key-schedule.js';
import { suiteOf, type GroupState, type ProviderOption } from './state.js';

export function exportSecret(state: GroupState, label: string | Uint8Array, context: Uint8Array, length: number, opts: ProviderOption = {}): Uint8Array {
  return mlsExporter(suiteOf(state, opts.provider), state.keys.exporterSecret, label, context, length);
}
