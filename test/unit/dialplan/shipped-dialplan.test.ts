/**
 * The shipped conf/dialplan, loaded the way startup loads it (loadConfig -> StrowgerConfig.dialplan),
 * and its JSON mirror in test/fixtures/dialplan/shipped/: same model, same routes.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigSync } from '../../../src/config';
import { dialplanFromConfig, huntDialplan, loadDialplanFiles, type DialplanModel } from '../../../src/dialplan';
import { FAKE_INTERFACES } from '../config/helpers';
import { comparableModel, FakeSubject, FIXTURES, ROOT } from './helpers';


function shippedXml(): { model: DialplanModel; globals: Map<string, string> } {
  const c = loadConfigSync({ confDir: resolve(ROOT, 'conf'), overrides: { local_ip_v4: '127.0.0.1' }, interfaces: FAKE_INTERFACES, logWarnings: false });
  expect(c.warnings).toEqual([]);
  return { model: dialplanFromConfig(c), globals: c.globals };
}

const shippedJson = (): DialplanModel => loadDialplanFiles([resolve(FIXTURES, 'shipped/default.json'), resolve(FIXTURES, 'shipped/public.json')]);

describe('shipped conf/dialplan', () => {
  it('loads through loadConfig without warnings, and its JSON mirror gives the same model', () => {
    const { model } = shippedXml();
    expect([...model.contexts.keys()].sort()).toEqual(['default', 'public']);
    expect(model.warnings).toEqual([]);
    const json = shippedJson();
    expect(json.warnings).toEqual([]);
    expect(comparableModel(json)).toEqual(comparableModel(model));
  });

  const forms: [string, () => { model: DialplanModel; globals: Map<string, string> }][] = [
    ['XML via loadConfig', shippedXml],
    ['JSON', () => ({ model: shippedJson(), globals: shippedXml().globals })],
  ];

  for (const [form, load] of forms) {
    describe(form, () => {
      const { model, globals } = load();
      const hunt = async (context: string, dest: string) => {
        const s = new FakeSubject({ profile: { context, destination_number: dest }, globals: Object.fromEntries(globals) });
        return { plan: await huntDialplan(model, s), s };
      };
      const list = (p: Awaited<ReturnType<typeof hunt>>['plan']) => p?.actions.map((a) => `${a.app} ${a.data}`.trimEnd());

      it('default 1001 -> bridge user/1001@${domain_name}, the domain expanded at execution', async () => {
        const { plan, s } = await hunt('default', '1001');
        expect(plan?.extension).toBe('Local_Extension');
        expect(list(plan)).toEqual([
          'export dialed_extension=1001',
          'set call_timeout=30',
          'set hangup_after_bridge=true',
          'set continue_on_fail=true',
          'export media_mix_inbound_outbound_codecs=true',
          'bridge user/1001@${domain_name}',
          'hangup ${originate_disposition}',
        ]);
        // Execution expands ${domain_name} against the channel, falling back to globals (vars.xml).
        expect(await s.expand(plan!.actions[5]!.data)).toBe('user/1001@127.0.0.1');
      });

      it('default 1019 routes, 1020 does not; nothing routes outward', async () => {
        expect(list((await hunt('default', '1019')).plan)?.[5]).toBe('bridge user/1019@${domain_name}');
        for (const dest of ['1020', '999', '5551234', '+15551234567', '01019', '']) {
          expect((await hunt('default', dest)).plan, dest).toBeUndefined();
        }
      });

      it('default 9196 -> answer, echo; 9198 -> tone', async () => {
        expect(list((await hunt('default', '9196')).plan)).toEqual(['answer', 'echo']);
        expect(list((await hunt('default', '9198')).plan)).toEqual(['answer', 'playback tone_stream://%(500,500,440);loops=10', 'hangup']);
      });

      it('public 1001 -> transfer 1001 XML default; public 5551234 and 9196 -> no route', async () => {
        expect(list((await hunt('public', '1001')).plan)).toEqual(['transfer 1001 XML default']);
        expect((await hunt('public', '5551234')).plan).toBeUndefined();
        expect((await hunt('public', '9196')).plan).toBeUndefined();
      });

      it('a context that does not exist, with no "global" context -> no route', async () => {
        expect((await hunt('nosuch', '1001')).plan).toBeUndefined();
      });
    });
  }
});
