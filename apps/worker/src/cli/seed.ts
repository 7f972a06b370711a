import 'reflect-metadata';
import { PasswordHasher } from '@groundwork/identity';
import { loadAppConfigOrExit, PrismaService } from '@groundwork/platform';
import '../contexts.js'; // every context's queues and configuration, validated like the worker's

/**
 * `npm run db:seed`: development data, idempotent (fixed ids, upserts): run it as often as you
 * like. Refuses to run in production.
 */
const DEV_PASSWORD = 'groundwork-dev-password';
const USERS = [
  { id: '01930000-0000-7000-8000-000000000001', email: 'ada@example.com', name: 'Ada Lovelace' },
  { id: '01930000-0000-7000-8000-000000000002', email: 'grace@example.com', name: 'Grace Hopper' },
  { id: '01930000-0000-7000-8000-000000000003', email: 'alan@example.com', name: 'Alan Turing' },
];

const config = loadAppConfigOrExit('cli');
if (config.isProduction) {
  process.stderr.write('db:seed writes development data and refuses to run with NODE_ENV=production\n');
  process.exit(1);
}
const prisma = new PrismaService(config);
try {
  const passwordHash = await new PasswordHasher().hash(DEV_PASSWORD);
  const verifiedAt = new Date('2026-01-01T00:00:00Z');
  for (const user of USERS) {
    await prisma.user.upsert({
      where: { id: user.id },
      create: { ...user, passwordHash, emailVerifiedAt: verifiedAt },
      update: { email: user.email, name: user.name },
    });
  }
  process.stdout.write(
    `seeded ${USERS.length} verified users (${USERS.map((u) => u.email).join(', ')}), password: ${DEV_PASSWORD}\n`,
  );
} finally {
  await prisma.$disconnect();
}
