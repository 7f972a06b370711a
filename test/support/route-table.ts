import { type INestApplication, RequestMethod, VERSION_NEUTRAL } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA, VERSION_METADATA } from '@nestjs/common/constants.js';
import { ModulesContainer } from '@nestjs/core';

/** One route the api serves, read from Nest's metadata (what the router itself uses). */
export interface ApiRoute {
  method: string;
  /** The served path template, version prefix included: `/v1/workspaces/:workspaceId/tasks`. */
  path: string;
  /** `Controller.handler`, for messages. */
  name: string;
  controller: object;
  handler: object;
}

const HTTP_METHODS: Partial<Record<RequestMethod, string>> = {
  [RequestMethod.GET]: 'GET',
  [RequestMethod.POST]: 'POST',
  [RequestMethod.PUT]: 'PUT',
  [RequestMethod.DELETE]: 'DELETE',
  [RequestMethod.PATCH]: 'PATCH',
};

function joinPath(...parts: (string | undefined)[]): string {
  return `/${parts
    .filter((p): p is string => p !== undefined && p !== '' && p !== '/')
    .map((p) => p.replace(/^\/+|\/+$/g, ''))
    .join('/')}`;
}

/**
 * Every route of every module, sorted by path then method. Suites that must cover each route
 * (the authorization matrix, the fuzz sweep, the cross-tenant check) enumerate them here, so a
 * new route is covered without editing them.
 */
export function apiRoutes(app: INestApplication): ApiRoute[] {
  const routes: ApiRoute[] = [];
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => object) | null;
      if (!controller) continue;
      const base = Reflect.getMetadata(PATH_METADATA, controller) as string | undefined;
      const classVersion = Reflect.getMetadata(VERSION_METADATA, controller) as string | symbol | undefined;
      const prototype = controller.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(prototype)) {
        const handler = prototype[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (method === undefined) continue;
        const version = (Reflect.getMetadata(VERSION_METADATA, handler) as string | symbol | undefined) ?? classVersion;
        const path = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
        routes.push({
          method: HTTP_METHODS[method] ?? String(method),
          path: joinPath(
            version === undefined || version === VERSION_NEUTRAL ? undefined : `v${String(version)}`,
            base,
            path,
          ),
          name: `${controller.name}.${name}`,
          controller,
          handler,
        });
      }
    }
  }
  return routes.sort((a, b) => `${a.path} ${a.method}`.localeCompare(`${b.path} ${b.method}`));
}

/** A route's metadata under `key`: the handler's, else its controller's (how Nest's Reflector resolves it). */
export function routeMetadata<T>(route: ApiRoute, key: string): T | undefined {
  return (
    (Reflect.getMetadata(key, route.handler) as T | undefined) ??
    (Reflect.getMetadata(key, route.controller) as T | undefined)
  );
}
