import 'reflect-metadata';
import { exitGracefullyOnSignals, loadAppConfigOrExit } from '@groundwork/platform';
import { createApiApp } from './bootstrap.js';

const config = loadAppConfigOrExit('api');
const app = await createApiApp(config);
exitGracefullyOnSignals(app);
await app.listen(config.http.port);
