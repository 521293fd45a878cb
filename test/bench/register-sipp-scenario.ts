/**
 * The sipp scenarios shared by register-sipp.ts (benchmark) and register-load.ts (profiling load):
 * one sipp "call" is one registration with the digest challenge,
 *   REGISTER -> 401 (challenge) -> REGISTER with credentials -> 200
 * i.e. two REGISTER requests and two responses.
 */

export const REGISTER_UAC_SCENARIO = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="register with digest (bench)">
  <send retrans="500"><![CDATA[

      REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      Max-Forwards: 70
      From: <sip:[field0]@[remote_ip]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[field0]@[remote_ip]>
      Call-ID: [call_id]
      CSeq: 1 REGISTER
      Contact: <sip:[field0]@[local_ip]:[local_port]>
      Expires: 3600
      Content-Length: 0

  ]]></send>
  <recv response="401" auth="true"/>
  <send retrans="500"><![CDATA[

      REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      Max-Forwards: 70
      From: <sip:[field0]@[remote_ip]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[field0]@[remote_ip]>
      Call-ID: [call_id]
      CSeq: 2 REGISTER
      Contact: <sip:[field0]@[local_ip]:[local_port]>
      Expires: 3600
      [authentication]
      Content-Length: 0

  ]]></send>
  <recv response="200"/>
</scenario>
`;

/** Baseline UAS: answers the same exchange (401 with a fixed nonce, then 200) checking nothing. */
export const REGISTER_UAS_SCENARIO = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="register uas baseline">
  <recv request="REGISTER"/>
  <send><![CDATA[

      SIP/2.0 401 Unauthorized
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      WWW-Authenticate: Digest realm="127.0.0.1", nonce="bench[call_number]nonce", algorithm=MD5, qop="auth"
      User-Agent: sipp-uas
      Content-Length: 0

  ]]></send>
  <recv request="REGISTER"/>
  <send><![CDATA[

      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:bench@127.0.0.1>;expires=3600
      Date: Sat, 01 Jan 2028 00:00:00 GMT
      User-Agent: sipp-uas
      Content-Length: 0

  ]]></send>
</scenario>
`;

/** A cell of sipp's final statistics screen: "  Successful call   |   0   |   123" -> 123. */
export function sippStat(out: string, name: string): number {
  const lines = out.split('\n').filter((l) => l.trimStart().startsWith(name));
  const last = lines[lines.length - 1];
  if (!last) return NaN;
  const cells = last.split('|');
  return Number.parseFloat((cells[2] ?? '').trim());
}
