import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Injectable } from '@nestjs/common';
import protobuf from 'protobufjs';
import { DomainError } from '@groundwork/platform';

/** The repository's (or image's) `proto/` folder: the nearest one above this file, from src/ or dist/. */
function protoDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 8; depth += 1) {
    const candidate = path.join(dir, 'proto');
    if (existsSync(path.join(candidate, 'task.proto'))) return candidate;
    dir = path.dirname(dir);
  }
  throw new Error('the proto/ folder was not found above the api');
}

/** The `.proto` files the api speaks, by the name they are served under. */
export const PROTO_FILES = ['task.proto'] as const;
export type ProtoFile = (typeof PROTO_FILES)[number];

/**
 * The Protocol Buffers schemas, loaded once from `proto/` — the single source of the binary
 * shape. Field names are camelCase after loading, so messages map one-to-one onto the JSON
 * representation.
 */
@Injectable()
export class ProtobufSchemas {
  private readonly root = new protobuf.Root();
  private readonly sources = new Map<ProtoFile, string>();

  constructor() {
    const dir = protoDir();
    for (const file of PROTO_FILES) {
      const source = readFileSync(path.join(dir, file), 'utf8');
      this.sources.set(file, source);
      protobuf.parse(source, this.root, { keepCase: false });
    }
    this.root.resolveAll();
  }

  source(file: ProtoFile): string {
    const text = this.sources.get(file);
    if (text === undefined) throw new Error(`unknown proto file ${file}`);
    return text;
  }

  encode(typeName: string, value: object): Uint8Array {
    const type = this.root.lookupType(typeName);
    return type.encode(type.fromObject(value as Record<string, unknown>)).finish();
  }

  /** A request body as a plain object (camelCase, absent fields left out), ready for DTO validation. */
  decode(typeName: string, body: Uint8Array): Record<string, unknown> {
    const type = this.root.lookupType(typeName);
    try {
      return type.toObject(type.decode(body), { arrays: false, defaults: false, longs: Number });
    } catch (error) {
      throw new DomainError('bad_request', `The body is not a valid ${typeName} message.`, { cause: error });
    }
  }
}
