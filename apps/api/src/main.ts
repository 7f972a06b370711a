import 'reflect-metadata';
import { loadAppConfigOrExit } from '@groundwork/platform';
import { createApiApp } from './bootstrap.js';

const config = loadAppConfigOrExit('api');
const app = await createApiApp(config);
await app.listen(config.http.port);
