/**
 * Call-control dptools (freeswitch-behaviour.md §6.1): answer, pre_answer, ring_ready, hangup,
 * respond, redirect, park, sleep, log, info.
 */
import { parseCause, type AppDefinition } from '../core';
import { untilAborted, waitFor } from './wait';

const LOG_LEVELS: Record<string, 'fatal' | 'error' | 'warn' | 'info' | 'debug'> = {
  CONSOLE: 'info',
  ALERT: 'fatal',
  CRIT: 'fatal',
  ERR: 'error',
  ERROR: 'error',
  WARNING: 'warn',
  NOTICE: 'info',
  INFO: 'info',
  DEBUG: 'debug',
};

export const answerApp: AppDefinition = {
  name: 'answer',
  syntax: '',
  summary: 'Answer the call',
  async handler(ch) {
    await ch.answer();
  },
};

export const preAnswerApp: AppDefinition = {
  name: 'pre_answer',
  syntax: '',
  summary: 'Pre-Answer the call',
  async handler(ch) {
    await ch.preAnswer();
  },
};

export const ringReadyApp: AppDefinition = {
  name: 'ring_ready',
  syntax: '',
  summary: 'Indicate Ring_Ready',
  async handler(ch) {
    await ch.ringReady();
  },
};

export const hangupApp: AppDefinition = {
  name: 'hangup',
  syntax: '[<cause>]',
  summary: 'Hangup the current channel',
  flags: { noMedia: true },
  handler(ch, data) {
    ch.hangup(parseCause(data) ?? 'NORMAL_CLEARING');
  },
};

export const respondApp: AppDefinition = {
  name: 'respond',
  syntax: '<respond_data>',
  summary: 'Send session respond',
  flags: { noMedia: true },
  async handler(ch, data) {
    const t = data.trim();
    const sp = t.indexOf(' ');
    const code = Number.parseInt(sp < 0 ? t : t.slice(0, sp), 10);
    if (!Number.isInteger(code) || code < 100 || code > 699) {
      ch.log.error({ data }, 'respond: invalid status code');
      return { response: '-ERR invalid status' };
    }
    await ch.respond(code, sp < 0 ? undefined : t.slice(sp + 1).trim() || undefined);
    return undefined;
  },
};

export const redirectApp: AppDefinition = {
  name: 'redirect',
  syntax: '<redirect_data>',
  summary: 'Send session redirect',
  flags: { noMedia: true },
  async handler(ch, data) {
    const contacts = data
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (!contacts.length) return { response: '-ERR no contact' };
    await ch.redirect(contacts);
    return undefined;
  },
};

export const parkApp: AppDefinition = {
  name: 'park',
  syntax: '',
  summary: 'Park',
  flags: { noMedia: true },
  async handler(ch, _data, { core, cancel: signal }) {
    if (!ch.up) return;
    ch.setState('CS_PARK');
    core.fireChannelEvent(ch, 'CHANNEL_PARK');
    await untilAborted(signal);
    if (ch.up) {
      core.fireChannelEvent(ch, 'CHANNEL_UNPARK');
      if (ch.state === 'CS_PARK') ch.setState('CS_EXECUTE');
    }
  },
};

export const sleepApp: AppDefinition = {
  name: 'sleep',
  syntax: '<pause in ms>',
  summary: 'Pause a channel',
  async handler(_ch, data, { core, cancel: signal }) {
    const ms = Number.parseInt(data.trim(), 10);
    if (!Number.isFinite(ms) || ms <= 0) return;
    await waitFor(core.clock, ms, signal);
  },
};

export const logApp: AppDefinition = {
  name: 'log',
  syntax: '<log_level> <log_string>',
  summary: 'Logs to the logger',
  flags: { routingSafe: true, noMedia: true },
  handler(ch, data) {
    const t = data.trim();
    const sp = t.indexOf(' ');
    const first = (sp < 0 ? t : t.slice(0, sp)).toUpperCase();
    const level = LOG_LEVELS[first];
    const msg = level ? (sp < 0 ? '' : t.slice(sp + 1)) : t;
    ch.log[level ?? 'debug']({ app: 'log', fsLevel: level ? first : 'DEBUG' }, msg);
  },
};

export const infoApp: AppDefinition = {
  name: 'info',
  syntax: '',
  summary: 'Display Call Info',
  flags: { routingSafe: true, noMedia: true },
  handler(ch) {
    ch.log.info({ variables: Object.fromEntries(ch.variables()), profile: ch.profile, state: ch.state }, 'channel info');
  },
};

export const callControlApps: AppDefinition[] = [answerApp, preAnswerApp, ringReadyApp, hangupApp, respondApp, redirectApp, parkApp, sleepApp, logApp, infoApp];
