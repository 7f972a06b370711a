import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { exitGracefullyOnSignals, loadAppConfigOrExit } from '@groundwork/platform';
import { QueueWorkers } from '@groundwork/platform/queue';
import { WorkerModule } from './worker.module.js';

loadAppConfigOrExit('worker');
// An application context, not a web app: the worker's only HTTP is OpsHttpServer's probes.
// Creating it initialises every module (connections, relay, probes); the processors' BullMQ
// workers are created stopped and start only below, once the logger is attached, so every
// job logs through it in its own context.
const app = await NestFactory.createApplicationContext(WorkerModule, { bufferLogs: true });
app.useLogger(app.get(Logger));
app.flushLogs();
exitGracefullyOnSignals(app);
app.get(QueueWorkers).start();
