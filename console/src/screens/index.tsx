import type { ComponentChildren } from 'preact';
import type { Session } from '../session';
import { BoroughSettings } from './settings';
import { CasePage } from './case';
import { Home } from './home';
import { Queue } from './queue';

/**
 * Every screen of the console: its route under /console (`:name` parts become params), its title, and what it
 * renders for the signed-in user. To add a screen, write it in screens/ and add one entry here (README "Console").
 */
export interface Screen {
  path: string;
  title: (params: Record<string, string>) => string;
  render: (params: Record<string, string>, session: Session) => ComponentChildren;
}

export const SCREENS: readonly Screen[] = [
  { path: '/', title: () => 'Home', render: (_, session) => <Home session={session} /> },
  { path: '/queues/work/:borough', title: (p) => `Work queue: ${p.borough}`, render: (p, session) => <Queue session={session} borough={p.borough!} /> },
  { path: '/queues/out-of-hours', title: () => 'Out-of-hours queue', render: (_, session) => <Queue session={session} borough={null} /> },
  { path: '/cases/:id', title: () => 'Case', render: (p, session) => <CasePage id={p.id!} session={session} /> },
  { path: '/boroughs/:borough/settings', title: (p) => `Borough settings: ${p.borough}`, render: (p) => <BoroughSettings borough={p.borough!} /> },
];
