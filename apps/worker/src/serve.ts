import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { exitGracefullyOnSignals, loadAppConfigOrExit } from '@groundwork/platform';
import { WorkerModule } from './worker.module.js';

loadAppConfigOrExit('worker');
// An application context, not a web app: the worker's only HTTP is OpsHttpServer's probes.
const app = await NestFactory.createApplicationContext(WorkerModule, { bufferLogs: true });
app.useLogger(app.get(Logger));
app.flushLogs();
exitGracefullyOnSignals(app);
await app.init();
