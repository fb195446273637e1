/**
 * Starting and stopping the whole gateway: its HTTP port first (answering 503 until ready), then the
 * database (embedded or MONGODB_URI), indexes, keys, GraphQL and the routes. Stopping drains requests
 * first, then closes the database and the engine.
 */
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { TokenService } from './auth/tokens';
import { createApp, errorHandler } from './app';
import { noSuchPath } from './httpAnswers';
import type { Config } from './config';
import { createApolloServer } from './graphql/server';
import { buildSchema } from './graphql/schema';
import type { Logger } from './log';
import { createMetrics } from './metrics';
import { openStore, Store } from './store/connection';
import { BoundPort, bindPort, PortInUseError } from './httpPort';
import { DataDirInUseError, readHolder } from './store/dataDirLock';
import { registryModels, RegistryModels, syncIndexes } from './store/models';
import { demoSeedToRun, seedDemoLocations, seedRegistry } from './registry/seed';
import { DciSide, wireDci } from './dciWiring';
import { inProcessExecutor } from './graphql/inProcess';
import { DataSourceClients, wireDataSources } from './dataSources/wiring';
import { KeyRing } from '../adapters/dci/protocol';
import { CallbackHub } from '../adapters/dci/server/callbackHub';
import { wireCrvs } from './crvs/wiring';
import { wireSocialRegistry } from './socialRegistry/wiring';
import { ensureDemoProgram } from './programs/demo';
import { IndicatorSide, wireIndicators } from './indicators/wiring';

export const DEMO_INDIVIDUALS = 2000;

/** Seeds an empty registry, or completes a seed that a stop interrupted (whatever its seed and size). */
async function seedDemo(models: RegistryModels, log: Logger): Promise<void> {
  await seedDemoLocations(models, new Date());
  const todo = await demoSeedToRun(models, { individuals: DEMO_INDIVIDUALS, seed: 1 });
  if (!todo) return;
  log.info(todo, todo.resumed ? 'completing an interrupted seed' : 'empty registry: seeding demo data');
  const result = await seedRegistry(models, todo);
  log.info(result, 'demo data seeded');
}

export interface Gateway {
  port: number;
  url: string;
  store: Store;
  models: RegistryModels;
  tokens: TokenService;
  dci: DciSide;
  /** The indicators' background work (the outbox scan); their jobs run on the DCI side's queue. */
  indicators: IndicatorSide;
  dataSources: DataSourceClients;
  stop(): Promise<void>;
}

/**
 * PORT first, so that a busy port is found before any engine starts. When DATA_DIR is held by a
 * running process too (`npm start` twice), that is the conflict to report: its lock names the gateway.
 */
async function bindGatewayPort(config: Config): Promise<BoundPort> {
  try {
    return await bindPort(config.port);
  } catch (error) {
    const holder = error instanceof PortInUseError && !config.mongodbUri ? readHolder(config.dataDir) : undefined;
    if (holder && runs(holder.pid)) throw new DataDirInUseError(config.dataDir, holder);
    throw error;
  }
}

function runs(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function startGateway(config: Config, log: Logger, opts: { demo?: boolean } = {}): Promise<Gateway> {
  const bound = await bindGatewayPort(config);
  const httpServer = bound.server;
  const store = await openStore({ mongodbUri: config.mongodbUri, dataDir: config.dataDir, engine: config.embeddedEngine, command: 'serve', log }).catch((error: unknown) => {
    httpServer.close();
    throw error;
  });
  try {
    const models = registryModels(store.connection);
    const tokens = await TokenService.open({ dataDir: config.dataDir, issuer: config.dciSenderId, external: config.externalIssuer });

    const keys = await KeyRing.open(config.dataDir);
    const hub = new CallbackHub();
    const metrics = createMetrics({ dciBasePath: config.dciBasePath, log });
    const dataSources = wireDataSources({ config, connection: store.connection, models, dci: { keys, hub }, observer: metrics.dataSourceCalls, log });
    const services = { models, dataSources, log };
    const schema = buildSchema();
    const dci = await wireDci({ config, connection: store.connection, models, tokens, graphql: inProcessExecutor(schema, services), keys, hub, metrics, database: store.liveness, log });
    metrics.watchJobs(dci.jobs);
    metrics.watchCircuits(() => dataSources.circuits());
    const crvs = wireCrvs({ connection: store.connection, models, dataSources, dci, log });
    const socialRegistry = wireSocialRegistry({ models, hub, log });
    const indicators = wireIndicators({ connection: store.connection, models, dataSources, jobs: dci.jobs, fetchRetentionDays: config.indicatorFetchRetentionDays, log });
    await syncIndexes(store.connection); // after every model, the DCI ones included, is defined
    if (opts.demo) {
      await seedDemo(models, log);
      await ensureDemoProgram(models, log);
    }
    const apollo = createApolloServer({
      schema,
      production: config.nodeEnv === 'production',
      log,
      plugins: [ApolloServerPluginDrainHttpServer({ httpServer }), metrics.graphqlOperations],
    });
    await apollo.start();
    const app = createApp({ store, services, tokens, apollo, metrics, log, explorer: config.graphqlExplorer });
    dci.mount(app);
    app.use(noSuchPath);
    app.use(errorHandler(log));
    bound.serve(app);
    dci.start();
    indicators.start();
    const port = (httpServer.address() as { port: number }).port;
    log.info({ port }, 'gateway listening');
    store.announce(`http://127.0.0.1:${port}`);

    return {
      port,
      url: `http://127.0.0.1:${port}`,
      store,
      models,
      tokens,
      dci,
      indicators,
      dataSources,
      async stop() {
        crvs.stop(); // running imports pause at their next batch and resume on the next start
        await socialRegistry.stop();
        await indicators.stop(); // so do refresh runs
        await apollo.stop(); // drains in-flight requests, then closes the HTTP server
        await dci.stop();
        await store.close();
        log.info('gateway stopped');
      },
    };
  } catch (error) {
    httpServer.close();
    await store.close();
    throw error;
  }
}
