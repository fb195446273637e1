/**
 * Configuration from environment variables, validated once at start.
 * Every bad value is reported with its variable name so an operator can fix all of them in one go.
 */
import path from 'node:path';
import { ENGINES, EngineName } from './store/engine';
import { senderIdProblem } from '../adapters/dci/protocol/envelope';

export interface Config {
  port: number;
  mongodbUri: string | undefined;
  dataDir: string;
  /** The embedded engine started when MONGODB_URI is unset. */
  embeddedEngine: EngineName;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  nodeEnv: 'development' | 'production' | 'test';
  dciSenderId: string;
  dciBasePath: string;
  /** A notification to a partner still failing this long after it was queued is given up. */
  notifyGiveUpMs: number;
  /** How long a job claimed by an instance stays its own without renewal: a dead instance's jobs wait this long. */
  jobLeaseMs: number;
  /** How long the disclosure audit keeps a record, in days; older ones are deleted. */
  disclosureRetentionDays: number;
  /** How long the indicators' fetch audit keeps a record, in days; older ones are deleted. */
  indicatorFetchRetentionDays: number;
  /** The GraphQL explorer at GET /graphql for browsers: on unless NODE_ENV is production. */
  graphqlExplorer: boolean;
  /** External token issuer (optional): JWKS URL, issuer and audience must be set together. */
  externalIssuer: { jwksUrl: string; issuer: string; audience: string } | undefined;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const NODE_ENVS = ['development', 'production', 'test'] as const;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

function oneOf<T extends string>(value: string, allowed: readonly T[]): value is T {
  return (allowed as readonly string[]).includes(value);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];

  const portText = env.PORT?.trim() || '4000';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 0 || port > 65535) {
    problems.push(`PORT must be an integer between 0 and 65535, got "${portText}"`);
  }

  const mongodbUri = env.MONGODB_URI?.trim() || undefined;
  if (mongodbUri && !/^mongodb(\+srv)?:\/\//.test(mongodbUri)) {
    problems.push('MONGODB_URI must start with mongodb:// or mongodb+srv://');
  }

  const dataDir = path.resolve(env.DATA_DIR?.trim() || './.data');

  const embeddedEngine = env.EMBEDDED_ENGINE?.trim() || 'mongo-java-server';
  if (!oneOf(embeddedEngine, ENGINES)) {
    problems.push(`EMBEDDED_ENGINE must be one of ${ENGINES.join(', ')}, got "${embeddedEngine}"`);
  }
  const heap = env.EMBEDDED_ENGINE_HEAP?.trim();
  if (heap && !/^[1-9]\d*[mMgG]$/.test(heap)) {
    problems.push(`EMBEDDED_ENGINE_HEAP must be a JVM heap size such as 512m or 2g, got "${heap}"`);
  }

  const logLevel = env.LOG_LEVEL?.trim() || 'info';
  if (!oneOf(logLevel, LOG_LEVELS)) {
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }

  const nodeEnv = env.NODE_ENV?.trim() || 'development';
  if (!oneOf(nodeEnv, NODE_ENVS)) {
    problems.push(`NODE_ENV must be one of ${NODE_ENVS.join(', ')}, got "${nodeEnv}"`);
  }

  const dciSenderId = env.DCI_SENDER_ID?.trim() || 'dci-gateway';
  const senderProblem = senderIdProblem(dciSenderId);
  if (senderProblem) problems.push(`DCI_SENDER_ID ${senderProblem}, got "${dciSenderId}"`);

  const dciBasePath = env.DCI_BASE_PATH?.trim() || '/dci';
  if (!/^\/[A-Za-z0-9._~/-]*$/.test(dciBasePath) || dciBasePath.endsWith('/')) {
    problems.push(`DCI_BASE_PATH must be an absolute path without a trailing slash, got "${dciBasePath}"`);
  }

  const giveUpText = env.DCI_NOTIFY_GIVE_UP_HOURS?.trim() || '168';
  const notifyGiveUpHours = Number(giveUpText);
  if (!/^\d+$/.test(giveUpText)) {
    problems.push(`DCI_NOTIFY_GIVE_UP_HOURS must be a whole number of hours (0 or more), got "${giveUpText}"`);
  }

  // Renewed every third of it while a job runs: short enough that a dead instance's jobs move on
  // soon, long enough that a busy instance's renewal is never late.
  const leaseText = env.JOB_LEASE_SECONDS?.trim() || '60';
  const jobLeaseSeconds = Number(leaseText);
  if (!/^\d+$/.test(leaseText) || jobLeaseSeconds < 5 || jobLeaseSeconds > 3600) {
    problems.push(`JOB_LEASE_SECONDS must be a whole number of seconds from 5 to 3600, got "${leaseText}"`);
  }

  const retentionDays = (name: string, fallback: string) => {
    const text = env[name]?.trim() || fallback;
    if (!/^\d+$/.test(text) || Number(text) < 1) problems.push(`${name} must be a whole number of days (1 or more), got "${text}"`);
    return Number(text);
  };
  // Five years by default: long enough to answer a person who asks who received their data.
  const disclosureRetentionDays = retentionDays('DISCLOSURE_RETENTION_DAYS', '1826');
  // A year by default: which registries were asked about a person matters while their indicators do.
  const indicatorFetchRetentionDays = retentionDays('INDICATOR_FETCH_RETENTION_DAYS', '365');

  const explorerText = env.GRAPHQL_EXPLORER?.trim() || (nodeEnv === 'production' ? 'false' : 'true');
  if (!oneOf(explorerText, ['true', 'false'] as const)) {
    problems.push(`GRAPHQL_EXPLORER must be true or false, got "${explorerText}"`);
  }

  const issuerVars = [env.AUTH_JWKS_URL, env.AUTH_ISSUER, env.AUTH_AUDIENCE].map((v) => v?.trim() || undefined);
  let externalIssuer: Config['externalIssuer'];
  if (issuerVars.some(Boolean)) {
    const [jwksUrl, issuer, audience] = issuerVars;
    if (!jwksUrl || !issuer || !audience) {
      problems.push('AUTH_JWKS_URL, AUTH_ISSUER and AUTH_AUDIENCE must be set together');
    } else if (!/^https?:\/\//.test(jwksUrl)) {
      problems.push('AUTH_JWKS_URL must be an http(s) URL');
    } else {
      externalIssuer = { jwksUrl, issuer, audience };
    }
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    port,
    mongodbUri,
    dataDir,
    embeddedEngine: embeddedEngine as EngineName,
    logLevel: logLevel as Config['logLevel'],
    nodeEnv: nodeEnv as Config['nodeEnv'],
    dciSenderId,
    dciBasePath,
    notifyGiveUpMs: notifyGiveUpHours * 3_600_000,
    jobLeaseMs: jobLeaseSeconds * 1000,
    disclosureRetentionDays,
    indicatorFetchRetentionDays,
    graphqlExplorer: explorerText === 'true',
    externalIssuer,
  };
}
