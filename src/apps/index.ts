/**
 * The dialplan applications (FreeSWITCH mod_dptools subset). `registerDptools(core)` adds them to
 * the core's application registry; console help/completion come from their syntax and summary.
 */
import type { AppDefinition, Core } from '../core';
import { bridgeApp, transferApp } from './bridge-app';
import { callControlApps } from './call-control';
import { mediaApps, playRingback } from './media-apps';
import { variableApps } from './variables';

export const DPTOOLS: readonly AppDefinition[] = [...callControlApps, ...variableApps, bridgeApp, transferApp, ...mediaApps];

export function registerDptools(core: Core): void {
  for (const app of DPTOOLS) core.apps.register(app);
  core.ringbackPlayer = playRingback;
}

export { bridgeApp, transferApp, continueAfterFailure, causeListHas } from './bridge-app';
export * from './call-control';
export * from './variables';
export * from './media-apps';
export * from './tone-stream';
export * from './wav';
export { waitFor, untilAborted } from './wait';
