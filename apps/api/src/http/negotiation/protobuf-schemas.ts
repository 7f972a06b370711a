import { readFileSync } from 'node:fs';
import { Injectable } from '@nestjs/common';
import protobuf from 'protobufjs';
import { DomainError } from '@groundwork/platform';
import { shippedFile } from '../../shipped-file.js';

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
    for (const file of PROTO_FILES) {
      // The repository's (or image's) proto/ folder.
      const source = readFileSync(shippedFile(`proto/${file}`), 'utf8');
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
