// @ts-check
/**
 * The reference of `npm run bench`: a bare NestJS app on Express (Nest's defaults, no
 * logger) with one controller answering `GET /health/live` with the api's body
 * `{"status":"ok"}`. Plain JavaScript, so Nest's decorators are applied by hand.
 * Listens on 127.0.0.1:$PORT; SIGTERM closes it.
 */
import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

class HealthController {
  live() {
    return { status: 'ok' };
  }
}
const proto = HealthController.prototype;
Reflect.decorate([Get('live')], proto, 'live', Object.getOwnPropertyDescriptor(proto, 'live'));
Controller('health')(HealthController);

class BareModule {}
Module({ controllers: [HealthController] })(BareModule);

const app = await NestFactory.create(BareModule, { logger: false });
await app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1');

process.once('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
