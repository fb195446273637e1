/** Structured logs (pino). Never log personal data: ids and counts only. */
import pino from 'pino';

export type Logger = pino.Logger;

export function createLogger(level: string = process.env.LOG_LEVEL || 'info'): Logger {
  return pino({ level, base: { service: 'dci-gateway' }, redact: ['req.headers.authorization', '*.client_secret'] });
}
