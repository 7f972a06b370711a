import { Module } from '@nestjs/common';
import { NegotiationInterceptor } from './negotiation.interceptor.js';
import { ProtobufBodyPipe } from './protobuf-body.pipe.js';
import { ProtobufSchemas } from './protobuf-schemas.js';
import { SchemasController } from './schemas.controller.js';

/** JSON, XML and Protocol Buffers: the representations and the `.proto` files they come from. */
@Module({
  controllers: [SchemasController],
  providers: [ProtobufSchemas, NegotiationInterceptor, ProtobufBodyPipe],
  exports: [ProtobufSchemas, NegotiationInterceptor, ProtobufBodyPipe],
})
export class NegotiationModule {}
