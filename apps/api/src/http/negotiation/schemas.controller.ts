import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/access-rules.js';
import { ProtobufSchemas } from './protobuf-schemas.js';

/** The `.proto` files of the protobuf representations, so clients can generate their code. */
@ApiTags('schemas')
@Controller({ path: 'schemas', version: '1' })
@Public()
export class SchemasController {
  constructor(private readonly schemas: ProtobufSchemas) {}

  @Get('task.proto')
  @Header('Content-Type', 'text/plain; charset=utf-8')
  @Header('Cache-Control', 'public, max-age=3600')
  @ApiOperation({ operationId: 'getTaskProto', summary: 'The Protocol Buffers schema of task bodies' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ schema: { type: 'string' }, description: 'proto3 source' })
  taskProto(): string {
    return this.schemas.source('task.proto');
  }
}
