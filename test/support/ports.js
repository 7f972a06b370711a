// @ts-check
// Plain ES module: shared by the TypeScript tests and the benchmark scripts (run by node as is).
import { createServer } from 'node:net';

/** @returns {Promise<number>} a port nothing listens on right now (the OS picks it) */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port')),
      );
    });
  });
}
