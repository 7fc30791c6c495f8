import { parseArgs } from 'node:util';
import { ROLES, signToken, type Role } from '../api/auth';
import { parseEnvironment } from '../server/env';

// `npm run token -- --user alice --roles practitioner,manager --boroughs hf,rbkc [--expires 8h]`
// Prints a bearer token signed with AUTH_SECRET, for development and tests.
const usage = 'usage: npm run token -- --user ID --roles ROLE[,ROLE] --boroughs CODE[,CODE] [--expires 8h]';
try {
  const { values } = parseArgs({ options: { user: { type: 'string' }, roles: { type: 'string' }, boroughs: { type: 'string' }, expires: { type: 'string', default: '8h' } } });
  const list = (value: string | undefined) => (value ?? '').split(',').map((v) => v.trim()).filter(Boolean);
  const roles = list(values.roles);
  const boroughs = list(values.boroughs);
  const problems: string[] = [];
  if (!values.user) problems.push('--user is required');
  if (roles.length === 0) problems.push(`--roles is required (any of: ${ROLES.join(', ')})`);
  for (const role of roles) if (!(ROLES as readonly string[]).includes(role)) problems.push(`unknown role "${role}" (known: ${ROLES.join(', ')})`);
  if (boroughs.length === 0) problems.push('--boroughs is required, e.g. hf');
  if (!/^\d+[smhd]$/.test(values.expires ?? '')) problems.push('--expires must look like 30m, 8h or 7d');
  if (problems.length > 0) {
    console.error(`${problems.join('\n')}\n${usage}`);
    process.exit(1);
  }
  const env = parseEnvironment();
  console.log(await signToken({ secret: env.AUTH_SECRET, issuer: env.AUTH_ISSUER }, { userId: values.user!, roles: roles as Role[], boroughs }, values.expires));
} catch (error) {
  console.error(`${(error as Error).message}\n${usage}`);
  process.exit(1);
}
