/**
 * The gateway's HTTP port, bound before anything else starts: a busy PORT is found before an engine
 * is started for nothing, and no other process can take the port while the gateway starts.
 */
import http from 'node:http';

/** PORT is taken: found before the database is opened, so no engine is started for nothing. */
export class PortInUseError extends Error {
  constructor(port: number) {
    super(`PORT ${port} is already in use by another process: stop it, or set PORT to a free port (PORT=0 picks one).`);
    this.name = 'PortInUseError';
  }
}

/** Until the gateway is ready, the port it holds answers every request 503. */
function starting(_req: http.IncomingMessage, res: http.ServerResponse) {
  res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' }).end('{"status":"starting"}');
}

export interface BoundPort {
  server: http.Server;
  /** Hands every request from now on to the ready gateway. */
  serve(handler: http.RequestListener): void;
}

export async function bindPort(port: number): Promise<BoundPort> {
  const httpServer = http.createServer(starting);
  await new Promise<void>((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) => reject(error.code === 'EADDRINUSE' ? new PortInUseError(port) : error);
    httpServer.once('error', failed);
    httpServer.listen(port, () => {
      httpServer.off('error', failed);
      resolve();
    });
  });
  return {
    server: httpServer,
    serve: (handler) => void httpServer.off('request', starting).on('request', handler),
  };
}
