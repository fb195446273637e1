/**
 * The partner sandbox: fake-but-real CRVS, IBR, DR and social registries on one HTTP port, each
 * under its own base path with its own Ed25519 key and sender id, speaking the DCI protocol with
 * records generated from a seed. It shares nothing with the gateway but HTTP.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { NextFunction, Request, Response } from 'express';
import { Crvs } from './crvs';
import { generateData, SandboxData } from './data';
import { Dr } from './dr';
import { REGISTRY_NAMES, RegistryName } from './envelope';
import { Faults } from './faults';
import { GatewayConfig, GatewayLink } from './gateway';
import { Ibr } from './ibr';
import { oauthRouter, TokenStore } from './oauth';
import { Delivery, RegistryContext, registryRouter } from './registry';
import { newRegistryKey } from './signing';
import { HouseholdSource, Social, SocialHousehold } from './social';

export interface SandboxOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** The demo registry's seed, default 1: UINs link to its people. */
  seed?: number;
  /** How many people the demo registry holds (`npm start` seeds 2,000). */
  demoIndividuals?: number;
  births?: number;
  deaths?: number;
  /** Households the social registry holds at start. */
  households?: number;
  /** Lifetime of sandbox bearer tokens, default 300 s. */
  tokenTtlSeconds?: number;
  /** The client id and secret the gateway uses here; the secret is random unless given. */
  clientId?: string;
  clientSecret?: string;
  /** The day the data is generated as of, default today (UTC): with the seed it fixes every record. */
  asOf?: Date;
}

export interface RegistryInfo {
  baseUrl: string;
  senderId: string;
  jwksUrl: string;
}

export interface Call {
  path: string;
  at: Date;
  /** 0 when the connection was dropped without an answer (the registry is down). */
  status: number;
}

export interface Sandbox {
  url: string;
  registries: Record<RegistryName, RegistryInfo>;
  oauth: { tokenUrl: string; clientId: string; clientSecret: string };
  /**
   * Where callbacks get their bearer token and which keys verify the gateway's requests; until
   * called, signatures go unchecked. The social registry is a partner of the gateway in its own
   * right (its own sender id, so its own credentials): `registry: 'social'` links it; otherwise the
   * CRVS, IBR and DR registries are linked, their callbacks carrying the CRVS credentials.
   */
  connectGateway(cfg: GatewayConfig, registry?: RegistryName): void;
  faults: Pick<Faults, 'failNext' | 'delayNext' | 'badSignatureNext' | 'expireTokens' | 'down' | 'retryAfterNext'>;
  calls(registry?: RegistryName): Call[];
  /** Callbacks and notifications sent, with the receiver's answer. */
  deliveries(registry?: RegistryName): Delivery[];
  data: SandboxData;
  emitDeath(uin: string, deathDate: string): Promise<void>;
  /** The social registry's households, the head of each first. */
  households: SocialHousehold[];
  /** The social registry registers its next (seeded) household and notifies REGISTER subscribers. */
  registerHousehold(): Promise<SocialHousehold>;
  stop(): Promise<void>;
}

const DEFAULTS = { port: 0, seed: 1, demoIndividuals: 2000, births: 500, deaths: 50, households: 40, tokenTtlSeconds: 300, clientId: 'dci-gateway' };

const startOfUtcDay = (date: Date) => new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));

/** The port asked for is taken by another process. */
export class SandboxPortInUseError extends Error {
  constructor(readonly port: number) {
    super(`port ${port} is already in use by another process`);
    this.name = 'SandboxPortInUseError';
  }
}

export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const o = { ...DEFAULTS, ...opts };
  const data = generateData({ seed: o.seed, demoIndividuals: o.demoIndividuals, births: o.births, deaths: o.deaths, asOf: startOfUtcDay(o.asOf ?? new Date()) });
  const client = { clientId: o.clientId, clientSecret: o.clientSecret ?? randomBytes(18).toString('base64url') };
  const tokens = new TokenStore(o.tokenTtlSeconds);
  const faults = new Faults(() => tokens.expireAll());
  const gateway = new GatewayLink();
  const socialLink = new GatewayLink();
  const calls: (Call & { registry: RegistryName })[] = [];
  const deliveries: Delivery[] = [];

  const context = (name: RegistryName, link = gateway) => new RegistryContext(name, `${name}.sandbox`, newRegistryKey(`${name}.sandbox`), faults, link, deliveries);
  const contexts = { crvs: context('crvs'), ibr: context('ibr'), dr: context('dr'), social: context('social', socialLink) };
  const crvs = new Crvs(contexts.crvs, data, o.seed);
  const households = new HouseholdSource(o.seed, startOfUtcDay(o.asOf ?? new Date()));
  const social = new Social(contexts.social, Array.from({ length: o.households }, () => households.next()), households);
  const operations = { crvs: crvs.operations(), ibr: new Ibr(contexts.ibr, data).operations(), dr: new Dr(contexts.dr, data).operations(), social: social.operations() };

  const app = express();
  app.disable('x-powered-by');
  app.use(oauthRouter(client, tokens));
  app.get('/.well-known/jwks.json', (_req, res) => {
    res.json({ keys: REGISTRY_NAMES.map((name) => contexts[name].key.publicJwk) });
  });
  for (const name of REGISTRY_NAMES) {
    app.use(`/${name}`, (req: Request, res: Response, next: NextFunction) => {
      const call = { registry: name, path: req.originalUrl.split('?')[0], at: new Date(), status: 0 };
      calls.push(call);
      res.on('finish', () => (call.status = res.statusCode));
      next();
    });
    app.use(`/${name}`, registryRouter(contexts[name], tokens, faults, operations[name]));
  }

  const server: Server = await new Promise((resolve, reject) => {
    const s = createServer(app);
    s.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'EADDRINUSE' ? new SandboxPortInUseError(o.port) : error));
    s.listen(o.port, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const registries = Object.fromEntries(
    REGISTRY_NAMES.map((name) => [name, { baseUrl: `${url}/${name}`, senderId: contexts[name].senderId, jwksUrl: `${url}/${name}/.well-known/jwks.json` }]),
  ) as Record<RegistryName, RegistryInfo>;

  return {
    url,
    registries,
    oauth: { tokenUrl: `${url}/oauth2/client/token`, ...client },
    connectGateway: (cfg, registry) => (registry === 'social' ? socialLink : gateway).connect(cfg),
    faults,
    calls: (registry) => calls.filter((c) => !registry || c.registry === registry).map(({ path, at, status }) => ({ path, at, status })),
    deliveries: (registry) => deliveries.filter((d) => !registry || d.registry === registry),
    data,
    emitDeath: (uin, deathDate) => crvs.emitDeath(uin, deathDate),
    households: social.households,
    registerHousehold: () => social.registerHousehold(),
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
