// A config text that must be refused at load: the UsageError's message (exit 2), for tests of a config block.
import { expect } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { UsageError } from '../../src/core/errors.js';

export const CONFIG_FILE = '/etc/vigil/vigil.config.yaml';

export function configRefusal(text: string): string {
  try {
    parseConfigText(text, CONFIG_FILE, {});
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    expect((e as UsageError).exitCode).toBe(2);
    return (e as UsageError).message;
  }
  throw new Error(`expected a UsageError for:\n${text}`);
}
