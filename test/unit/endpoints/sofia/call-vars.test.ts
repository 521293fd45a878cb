/**
 * The sip_* channel variables and caller profile of an inbound INVITE (call-vars.ts), field by field.
 */
import { describe, expect, it } from 'vitest';
import { parseMessage, type InboundEnvelope, type SipRequest } from '../../../../src/sip';
import { inboundCallerProfile, inboundSipVariables } from '../../../../src/endpoints/sofia/call-vars';

function invite(lines: string[]): SipRequest {
  const r = parseMessage(Buffer.from([...lines, 'Content-Length: 0', '', ''].join('\r\n')));
  if (!r.ok || r.msg.type !== 'request') throw new Error('test INVITE did not parse');
  return r.msg;
}

const env = { transport: 'UDP', remote: { address: '198.51.100.7', port: 5070 }, local: { address: '192.0.2.1', port: 5060 }, receivedAt: 0 } as unknown as InboundEnvelope;

describe('inboundSipVariables', () => {
  it('sets every sip_* variable FreeSWITCH sets, with ports, tags, X- headers and the id header type', () => {
    const req = invite([
      'INVITE sip:1000@192.0.2.1:5080;transport=udp SIP/2.0',
      'Via: SIP/2.0/UDP 198.51.100.7:5070;branch=z9hG4bK-1;rport',
      'Max-Forwards: 69',
      'From: "Alice A" <sip:alice@example.com:5071>;TAG=ft-1',
      'To: <sip:1000@192.0.2.1>',
      'Call-ID: cid-1@example.com',
      'CSeq: 1 INVITE',
      'Contact: <sips:alice@198.51.100.7:5071;ob>',
      'P-Asserted-Identity: "Boss" <sip:+15551234@example.com>',
      'User-Agent: test-ua/1.0',
      'X-Account: 42',
      'x-lower: yes',
    ]);
    expect(inboundSipVariables(req, env, 'external')).toEqual({
      sofia_profile_name: 'external',
      sip_call_id: 'cid-1@example.com',
      sip_from_user: 'alice',
      sip_from_host: 'example.com',
      sip_from_port: '5071',
      sip_from_uri: 'alice@example.com:5071',
      sip_from_display: 'Alice A',
      sip_from_tag: 'ft-1',
      sip_to_user: '1000',
      sip_to_host: '192.0.2.1',
      sip_to_uri: '1000@192.0.2.1',
      sip_req_user: '1000',
      sip_req_host: '192.0.2.1',
      sip_req_port: '5080',
      sip_req_uri: '1000@192.0.2.1:5080',
      sip_contact_user: 'alice',
      sip_contact_host: '198.51.100.7',
      sip_contact_port: '5071',
      sip_contact_uri: 'alice@198.51.100.7:5071;ob',
      sip_via_host: '198.51.100.7',
      sip_via_port: '5070',
      sip_via_protocol: 'udp',
      sip_network_ip: '198.51.100.7',
      sip_network_port: '5070',
      sip_received_ip: '198.51.100.7',
      sip_received_port: '5070',
      sip_user_agent: 'test-ua/1.0',
      sip_max_forwards: '69',
      sip_cid_type: 'pid',
      'sip_h_X-Account': '42',
      'sip_h_x-lower': 'yes',
    });
    expect(inboundCallerProfile(req, env)).toMatchObject({ caller_id_name: 'Boss', caller_id_number: '+15551234', username: 'alice', destination_number: '1000' });
  });

  it('leaves out what the INVITE does not have, and cuts long values', () => {
    const long = 'u'.repeat(600);
    const req = invite([
      'INVITE sip:example.com SIP/2.0',
      'Via: SIP/2.0/TCP 198.51.100.7;branch=z9hG4bK-2',
      'From: <sip:example.com>;tag=x',
      'To: <sip:example.com>',
      'Call-ID: cid-2',
      'CSeq: 1 INVITE',
      `User-Agent: ${long}`,
    ]);
    const v = inboundSipVariables(req, env, 'internal');
    expect(v).toEqual({
      sofia_profile_name: 'internal',
      sip_call_id: 'cid-2',
      sip_from_host: 'example.com',
      sip_from_uri: 'example.com',
      sip_from_tag: 'x',
      sip_to_host: 'example.com',
      sip_to_uri: 'example.com',
      sip_req_host: 'example.com',
      sip_req_uri: 'example.com',
      sip_via_host: '198.51.100.7',
      sip_via_protocol: 'tcp',
      sip_network_ip: '198.51.100.7',
      sip_network_port: '5070',
      sip_received_ip: '198.51.100.7',
      sip_received_port: '5070',
      sip_user_agent: 'u'.repeat(512),
    });
  });
});
