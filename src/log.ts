/** Structured logs (pino). Never log personal data: ids and counts only. */
import pino from 'pino';
import { currentScope } from './requestScope';

export type Logger = pino.Logger;

/** Every line written while a request (or a job it queued) is handled carries its request id and DCI ids. */
export function createLogger(level: string = process.env.LOG_LEVEL || 'info', destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'dci-gateway' },
    redact: ['req.headers.authorization', '*.client_secret'],
    mixin: () => ({ ...currentScope() }),
  };
  return destination ? pino(options, destination) : pino(options);
}
