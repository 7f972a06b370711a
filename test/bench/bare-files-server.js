// @ts-check
/**
 * The reference of `npm run bench:files`: a bare node:http server doing the least the api's
 * attachment routes do with the same bytes. `POST /upload` hashes (SHA-256) the whole request
 * body on its way to a new file in BARE_DIR, flushed to disk before it answers (no multipart
 * parsing, no database); `GET /file` streams BARE_FILE in 1 MiB reads; `GET /ready` answers 200.
 * Listens on 127.0.0.1:$PORT; SIGTERM closes it.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

const file = /** @type {string} */ (process.env.BARE_FILE);
const dir = /** @type {string} */ (process.env.BARE_DIR);

const server = createServer((req, res) => {
  const fail = (/** @type {unknown} */ error) => {
    res.statusCode = 500;
    res.end(String(error));
  };
  if (req.method === 'GET' && req.url === '/ready') return void res.end('ok');
  if (req.method === 'GET' && req.url === '/file') {
    res.setHeader('content-type', 'application/octet-stream');
    res.setHeader('content-length', statSync(file).size);
    return void pipeline(createReadStream(file, { highWaterMark: 1024 * 1024 }), res).catch(() => res.destroy());
  }
  if (req.method === 'POST' && req.url === '/upload') {
    const hash = createHash('sha256');
    const target = path.join(dir, randomUUID());
    req.on('data', (chunk) => hash.update(chunk));
    return void pipeline(req, createWriteStream(target, { flush: true })).then(() => {
      rmSync(target, { force: true });
      res.setHeader('content-type', 'application/json');
      res.statusCode = 201;
      res.end(JSON.stringify({ attachment: { sha256: hash.digest('hex') } }));
    }, fail);
  }
  res.statusCode = 404;
  res.end();
});
server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1');

process.once('SIGTERM', () => server.close(() => process.exit(0)));
