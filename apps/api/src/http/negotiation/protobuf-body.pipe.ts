import { type ArgumentMetadata, Injectable, type PipeTransform } from '@nestjs/common';
import { DomainError } from '@groundwork/platform';
import { protobufMessageOf } from './negotiated.decorator.js';
import { ProtobufSchemas } from './protobuf-schemas.js';

/**
 * Runs before the ValidationPipe: a body that arrived as `application/x-protobuf` (the raw
 * parser leaves it a Buffer) is decoded by the message type its DTO declares, so validation,
 * whitelisting and everything after see the same object a JSON body would give.
 */
@Injectable()
export class ProtobufBodyPipe implements PipeTransform {
  constructor(private readonly schemas: ProtobufSchemas) {}

  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type !== 'body' || !Buffer.isBuffer(value)) return value;
    const typeName = protobufMessageOf(metadata.metatype);
    if (!typeName) {
      throw new DomainError('unsupported_media_type', 'This route takes its body as application/json only.');
    }
    return this.schemas.decode(typeName, value);
  }
}
