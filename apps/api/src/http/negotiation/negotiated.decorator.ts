import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiProduces } from '@nestjs/swagger';
import { MEDIA_TYPES } from './media-types.js';
import type { XmlNames } from './xml.js';

/** How a route's result is written in each representation besides JSON. */
export interface NegotiationOptions {
  xml: XmlNames;
  /** The protobuf message type of the result, e.g. `groundwork.v1.Task`; absent: no protobuf representation. */
  protobuf?: string;
}

export const NEGOTIATION = 'groundwork:negotiation';

/**
 * A read whose result may be JSON, XML or Protocol Buffers, chosen by `Accept` (anything else
 * → 406). The handler returns the JSON-shaped value; the negotiation interceptor writes it.
 */
export function Negotiated(options: NegotiationOptions): MethodDecorator {
  return applyDecorators(
    SetMetadata(NEGOTIATION, options),
    ApiProduces(MEDIA_TYPES.json, MEDIA_TYPES.xml, ...(options.protobuf ? [MEDIA_TYPES.protobuf] : [])),
  );
}

const PROTOBUF_MESSAGE = 'groundwork:protobuf-message';

/**
 * Declares that a body DTO may also arrive as `application/x-protobuf`, as the given message
 * type. The protobuf body pipe decodes it into a plain object that the ValidationPipe then
 * checks like any JSON body; a protobuf body for a DTO without it is a 415.
 */
export const ProtobufMessage = (typeName: string): ClassDecorator => SetMetadata(PROTOBUF_MESSAGE, typeName);

export function protobufMessageOf(metatype: unknown): string | undefined {
  return typeof metatype === 'function'
    ? (Reflect.getMetadata(PROTOBUF_MESSAGE, metatype) as string | undefined)
    : undefined;
}
