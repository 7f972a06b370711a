import { type CallHandler, type ExecutionContext, Injectable, StreamableFile } from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import { map, type Observable } from 'rxjs';
import { DomainError } from '@groundwork/platform';
import { chooseRepresentation, MEDIA_TYPES, type Representation } from './media-types.js';
import type { RouteScopedInterceptor } from '../route-interceptors.js';
import type { RouteHandler } from '../route-memo.js';
import { NEGOTIATION, type NegotiationOptions } from './negotiated.decorator.js';
import { ProtobufSchemas } from './protobuf-schemas.js';
import { toXml } from './xml.js';

interface HttpRequest {
  headers: { accept?: string };
}

/**
 * Content negotiation for routes marked `@Negotiated()`: chooses the representation before the
 * handler runs (so a 406 costs no work) and writes the result in it afterwards. `Vary: Accept`
 * tells caches the answer depends on the header.
 */
@Injectable()
export class NegotiationInterceptor implements RouteScopedInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly schemas: ProtobufSchemas,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  appliesTo(handler: RouteHandler): boolean {
    return this.reflector.get<NegotiationOptions | undefined>(NEGOTIATION, handler) !== undefined;
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const options = this.reflector.get<NegotiationOptions | undefined>(NEGOTIATION, context.getHandler());
    if (!options || context.getType() !== 'http') return next.handle();
    const http = context.switchToHttp();
    const offered: Representation[] = options.protobuf ? ['json', 'xml', 'protobuf'] : ['json', 'xml'];
    const representation = chooseRepresentation(http.getRequest<HttpRequest>().headers.accept, offered);
    if (!representation) {
      const available = offered.map((r) => MEDIA_TYPES[r]);
      throw new DomainError('not_acceptable', `This resource is available as ${available.join(', ')}.`, {
        extensions: { available },
      });
    }
    // Appended: an authenticated answer already varies by Authorization and Cookie.
    this.adapterHost.httpAdapter.appendHeader(http.getResponse<unknown>(), 'Vary', 'Accept');
    return next.handle().pipe(map((value: unknown) => this.write(representation, value, options)));
  }

  private write(representation: Representation, value: unknown, options: NegotiationOptions): unknown {
    // Answers already written by an inner interceptor (e.g. a 304 Not Modified) pass as they are.
    if (value instanceof Response || value instanceof StreamableFile) return value;
    switch (representation) {
      case 'json':
        return value;
      case 'xml':
        return new StreamableFile(Buffer.from(toXml(value, options.xml), 'utf8'), {
          type: `${MEDIA_TYPES.xml}; charset=utf-8`,
        });
      case 'protobuf':
        if (!options.protobuf) throw new Error('protobuf was chosen for a route that has no protobuf representation');
        return new StreamableFile(Buffer.from(this.schemas.encode(options.protobuf, value as object)), {
          type: MEDIA_TYPES.protobuf,
        });
      default: {
        const unreachable: never = representation;
        throw new Error(`unknown representation ${String(unreachable)}`);
      }
    }
  }
}
