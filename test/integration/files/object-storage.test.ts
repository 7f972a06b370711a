import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { LocalObjectStorage, type ObjectContent, objectKey, type ObjectStorage } from '@groundwork/files';
import { createS3Client, S3ObjectStorage } from '@groundwork/files/s3';
import { DomainError, newId } from '@groundwork/platform';
import { S3RVER_CREDENTIALS, S3TestServer } from '../../support/s3-server.js';

/**
 * One behaviour suite, run against both adapters of the storage port: the local disk, and S3
 * through a real S3-compatible server (s3rver) on 127.0.0.1 — no mock of the SDK.
 */
interface Subject {
  storage: ObjectStorage;
  /** Every key or file the adapter holds, relative to its root. */
  stored(): Promise<string[]>;
  /** The same adapter pointed at a store that is not there. */
  broken(): ObjectStorage;
  close(): Promise<void>;
}

async function localSubject(): Promise<Subject> {
  const dir = await mkdtemp(path.join(tmpdir(), 'gw-storage-'));
  const blocker = path.join(dir, 'not-a-folder');
  await writeFile(blocker, 'a file where the broken adapter expects its folder');
  return {
    storage: new LocalObjectStorage(path.join(dir, 'root')),
    async stored() {
      const entries = await readdir(path.join(dir, 'root'), { recursive: true, withFileTypes: true }).catch(() => []);
      return entries
        .filter((e) => e.isFile())
        .map((e) => path.relative(path.join(dir, 'root'), path.join(e.parentPath, e.name)));
    },
    broken: () => new LocalObjectStorage(path.join(blocker, 'root')),
    close: () => rm(dir, { recursive: true, force: true }),
  };
}

async function s3Subject(): Promise<Subject> {
  const server = await S3TestServer.start();
  const settings = {
    endpoint: server.endpoint,
    region: 'us-east-1',
    bucket: server.bucket,
    credentials: { ...S3RVER_CREDENTIALS },
    forcePathStyle: true,
  };
  const client: S3Client = createS3Client(settings);
  return {
    storage: new S3ObjectStorage(client, server.bucket),
    async stored() {
      const page = await client.send(new ListObjectsV2Command({ Bucket: server.bucket }));
      return (page.Contents ?? []).flatMap((o) => (o.Key ? [o.Key] : []));
    },
    // Nothing listens on port 9 (discard) here: every request is refused.
    broken: () => new S3ObjectStorage(createS3Client({ ...settings, endpoint: 'http://127.0.0.1:9' }), server.bucket),
    async close() {
      client.destroy();
      await server.stop();
    },
  };
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A source that yields `bytes` and then fails, as a request cut off mid-upload does. */
function failingSource(bytes: Buffer, error: Error): Readable {
  return Readable.from(
    (async function* () {
      yield bytes;
      throw error;
    })(),
  );
}

/**
 * All the bytes of opened content, sent the way a download sends them: each chunk is copied as
 * it comes (an adapter may reuse a chunk's memory once its write called back).
 */
async function bytesOf(opened: Promise<ObjectContent>): Promise<Buffer> {
  const copies: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      copies.push(Buffer.from(chunk));
      // Called back later, as a socket does: the next chunk must not overwrite this one before.
      setImmediate(done);
    },
  });
  await (await opened).pipeTo(sink);
  return Buffer.concat(copies);
}

const text = async (opened: Promise<ObjectContent>) => (await bytesOf(opened)).toString();

describe.each([
  ['local disk', localSubject],
  ['S3 (s3rver)', s3Subject],
] as const)('ObjectStorage on %s', (_name, make) => {
  let subject: Subject;
  let storage: ObjectStorage;

  beforeAll(async () => {
    subject = await make();
    storage = subject.storage;
  });

  afterAll(async () => {
    await subject.close();
  });

  async function store(workspaceId: string, bytes: Buffer) {
    const key = objectKey(workspaceId, sha256(bytes));
    const staged = await storage.stage(workspaceId, Readable.from([bytes]));
    await storage.promote(staged, key);
    return key;
  }

  it('stages bytes out of sight, then promotes them to their key whole', async () => {
    const workspaceId = newId();
    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    const key = objectKey(workspaceId, sha256(bytes));

    const staged = await storage.stage(workspaceId, Readable.from([bytes.subarray(0, 1000), bytes.subarray(1000)]));
    expect(await storage.exists(key)).toBe(false);
    await storage.promote(staged, key);

    expect(await storage.exists(key)).toBe(true);
    const read = await bytesOf(storage.read(key));
    expect(sha256(read)).toBe(key.sha256);
    expect((await subject.stored()).filter((k) => k.includes(workspaceId))).toEqual([key.path]);
  });

  it('reads an inclusive byte range', async () => {
    const key = await store(newId(), Buffer.from('0123456789abcdef'));
    expect(await text(storage.read(key, { start: 3, end: 7 }))).toBe('34567');
    expect(await text(storage.read(key, { start: 15, end: 15 }))).toBe('f');
  });

  it('stops sending and rejects when the destination fails mid-way (a client gone mid-download)', async () => {
    const key = await store(newId(), randomBytes(2 * 1024 * 1024));
    const gone = new Error('the client went away');
    let writes = 0;
    const destination = new Writable({
      write(_chunk: Buffer, _encoding, done) {
        writes += 1;
        done(writes === 2 ? gone : null);
      },
    });

    await expect((await storage.read(key)).pipeTo(destination)).rejects.toBe(gone);
    expect(writes).toBe(2);
    expect(destination.destroyed).toBe(true);
  });

  it('promotes over an existing object of the same key (same bytes), and discards staged bytes', async () => {
    const workspaceId = newId();
    const bytes = Buffer.from('same content');
    const key = await store(workspaceId, bytes);
    await store(workspaceId, bytes);
    const extra = await storage.stage(workspaceId, Readable.from([bytes]));
    await storage.discard(extra);
    await storage.discard(extra);

    expect(await text(storage.read(key))).toBe('same content');
    expect((await subject.stored()).filter((k) => k.includes(workspaceId))).toEqual([key.path]);
  });

  it('leaves nothing behind when the source fails mid-stream, and reports the source’s error', async () => {
    const workspaceId = newId();
    const cutOff = new Error('the client went away');

    await expect(storage.stage(workspaceId, failingSource(randomBytes(256 * 1024), cutOff))).rejects.toBe(cutOff);
    expect((await subject.stored()).filter((k) => k.includes(workspaceId))).toEqual([]);
  });

  it('removes objects idempotently, and a workspace’s objects all at once', async () => {
    const workspaceId = newId();
    const other = newId();
    const first = await store(workspaceId, Buffer.from('one'));
    await store(workspaceId, Buffer.from('two'));
    const kept = await store(other, Buffer.from('three'));

    await storage.stage(workspaceId, Readable.from([Buffer.from('staged, never promoted')]));
    await storage.remove(first);
    await storage.remove(first);
    expect(await storage.exists(first)).toBe(false);
    await storage.removeWorkspace(workspaceId);

    expect((await subject.stored()).filter((k) => k.includes(workspaceId))).toEqual([]);
    expect(await storage.exists(kept)).toBe(true);
  });

  it('sweeps staged uploads last written before the cutoff, and nothing else', async () => {
    const workspaceId = newId();
    const key = await store(workspaceId, Buffer.from('a promoted object'));
    const leftBehind = await storage.stage(workspaceId, Readable.from([Buffer.from('a crash came before promote')]));
    const anHourAgo = new Date(Date.now() - 60 * 60 * 1000);
    const inAMinute = new Date(Date.now() + 60 * 1000);

    expect(await storage.sweepStaging(anHourAgo)).toBe(0);
    expect((await subject.stored()).filter((k) => k.includes(workspaceId))).toHaveLength(2);
    expect(await storage.sweepStaging(inAMinute)).toBeGreaterThanOrEqual(1);

    expect((await subject.stored()).filter((k) => k.includes(workspaceId))).toEqual([key.path]);
    await storage.discard(leftBehind);
    expect(await storage.sweepStaging(inAMinute)).toBe(0);
  });

  it('answers not_found for a missing object', async () => {
    const missing = objectKey(newId(), sha256(Buffer.from('never stored')));
    await expect(storage.read(missing)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('answers the readiness check when the store is there, and fails it when not', async () => {
    await expect(storage.check(AbortSignal.timeout(5000))).resolves.toBeUndefined();
    await expect(subject.broken().check(AbortSignal.timeout(5000))).rejects.toThrow();
  });

  it('reports a store that is not there as unavailable (503 with Retry-After), writing nothing', async () => {
    const broken = subject.broken();
    const workspaceId = newId();

    const failure = await broken.stage(workspaceId, Readable.from([Buffer.from('bytes')])).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(DomainError);
    expect(failure).toMatchObject({ code: 'unavailable', retryAfterSeconds: 5 });
    await expect(broken.read(objectKey(workspaceId, sha256(Buffer.from('x'))))).rejects.toMatchObject({
      code: 'unavailable',
    });
    expect((await subject.stored()).filter((k) => k.includes(workspaceId))).toEqual([]);
  });

  it('builds no key from anything but a workspace UUID and a hex digest', () => {
    expect(() => objectKey('../etc', sha256(Buffer.from('x')))).toThrow();
    expect(() => objectKey(newId(), '../../passwd')).toThrow();
  });
});

describe('LocalObjectStorage', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'gw-storage-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('stages an upload of many uneven chunks byte for byte while flushing it along the way', async () => {
    // Flushed every 256 KiB, so a test-sized file runs many background flushes beside its writes.
    const storage = new LocalObjectStorage(dir, { syncEveryBytes: 256 * 1024 });
    const workspaceId = newId();
    const bytes = randomBytes(5 * 1024 * 1024);
    const chunks: Buffer[] = [];
    for (let at = 0, size = 1; at < bytes.length; at += size, size = 1 + ((size * 7 + 4093) % 70_000)) {
      chunks.push(bytes.subarray(at, at + size));
    }
    const key = objectKey(workspaceId, sha256(bytes));

    await storage.promote(await storage.stage(workspaceId, Readable.from(chunks)), key);

    expect(sha256(await bytesOf(storage.read(key)))).toBe(key.sha256);
  });
});
