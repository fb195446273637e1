/** What every command needs first: validated configuration and a logger. */
import { ConfigError, loadConfig, Config } from '../config';
import { createLogger, Logger } from '../log';

export function loadRuntime(): { config: Config; log: Logger } {
  try {
    const config = loadConfig();
    return { config, log: createLogger(config.logLevel) };
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}
