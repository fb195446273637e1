import net from 'node:net';

/**
 * A loopback port free a moment ago, for a process the test must tell its port before it starts.
 * Another process may take it meanwhile: the gateway then refuses to start, naming PORT.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
