/**
 * The lab's DNS server: answers like a recursive resolver would, from a zone the
 * lab can change at any time (fixes), over UDP and TCP on one loopback port.
 */
import type { Socket } from 'node:net';

import { Packet, TCPServer, UDPServer } from 'dns2';

const { TYPE, CLASS } = Packet;
// dns2 has Packet.RCODE at runtime but not in its types.
const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 } as const;

/** One CAA record, e.g. `0 issue "letsencrypt.org"`; any tag and flag byte, as a zone may hold. */
export interface CaaRecord {
  flags: number;
  tag: string;
  value: string;
}

/** How a name misbehaves: `drop` never answers, `servfail` and `refused` answer with that rcode. */
export type Fault = 'drop' | 'servfail' | 'refused';

/** The query types a fault can be limited to. */
export type QueryType = 'A' | 'AAAA' | 'CNAME' | 'CAA';

/** Everything the lab's DNS knows about one name. A name absent from the zone is NXDOMAIN. */
export interface RecordSet {
  /** An alias. A and AAAA answers then start with it, as a recursive resolver's do. */
  cname?: string;
  /**
   * IPv4 addresses. With `cname` set, these are the addresses the CNAME target
   * answers for this name (a per-customer edge, as CDN-backed hosts hand out)
   * instead of the target's own records.
   */
  a?: string[];
  /** What every A query after the first answers instead of `a` (DNS rebinding). */
  aAfterFirst?: string[];
  /** IPv6 addresses, like `a`. Written in hex groups only (no dotted tail). */
  aaaa?: string[];
  /**
   * CAA records. A name with `cname` holds none of its own (a zone cannot hold both):
   * a CAA query follows the alias, as a recursive resolver does.
   */
  caa?: CaaRecord[];
  /** Every query for the name fails this way. */
  fault?: Fault;
  /** Only queries of these types fail, e.g. `{ CAA: 'servfail' }` for a provider that cannot serve CAA. */
  faultsByType?: Partial<Record<QueryType, Fault>>;
  /** Milliseconds to wait before answering any query for the name (a slow authoritative server). */
  delayMs?: number;
  /**
   * Over UDP, answers of these types carry the TC flag and only their first
   * record, as a resolver's do when the answer outgrows a datagram: a client
   * must ask again over TCP, where the whole answer comes.
   */
  truncatedOverUdp?: QueryType[];
  /** Over TCP, every query for the name fails this way (a network that blocks DNS over TCP). */
  tcpFault?: Fault;
}

/** A zone: lower-case names without the trailing dot → their records. */
export type Zone = ReadonlyMap<string, RecordSet>;

/** A running lab DNS server. */
export interface LabDnsServer {
  /** `127.0.0.1:<port>`, the value of `CHECKS_DNS_SERVERS`. */
  address: string;
  /** Forgets which names already had their first A query (rebinding starts over). */
  resetQueryCounts(): void;
  close(): Promise<void>;
}

interface Answer {
  rcode: number;
  records: object[];
}

const MAX_CNAME_HOPS = 8;
const TTL = 300;

const normalize = (name: string) => name.toLowerCase().replace(/\.$/, '');

/** True when `name` owns records or sits above a name that does (an empty non-terminal is NODATA, not NXDOMAIN). */
function nameExists(zone: Zone, name: string): boolean {
  for (const owner of zone.keys()) {
    if (owner === name || owner.endsWith(`.${name}`)) return true;
  }
  return false;
}

function addressRecords(owner: string, type: number, addresses: string[], ttl: number): object[] {
  return addresses.map((address) => ({ name: owner, type, class: CLASS.IN, ttl, address }));
}

const TYPE_NAMES: Record<number, QueryType> = {
  [TYPE.A]: 'A',
  [TYPE.AAAA]: 'AAAA',
  [TYPE.CNAME]: 'CNAME',
  [TYPE.CAA]: 'CAA',
};

/** What a name that fails this way answers: nothing at all (`drop`), or that rcode. */
function faultAnswer(fault: Fault): Answer | undefined {
  if (fault === 'drop') return undefined;
  return { rcode: fault === 'servfail' ? RCODE.SERVFAIL : RCODE.REFUSED, records: [] };
}

/** Builds the answer to one question, or `undefined` to stay silent. */
function answer(zone: Zone, aQueries: Map<string, number>, qname: string, type: number, hops = 0): Answer | undefined {
  const name = normalize(qname);
  const set = zone.get(name);
  const typeName = TYPE_NAMES[type];
  const fault = set?.fault ?? (typeName ? set?.faultsByType?.[typeName] : undefined);
  if (fault) return faultAnswer(fault);
  if (!set) return { rcode: nameExists(zone, name) ? RCODE.NOERROR : RCODE.NXDOMAIN, records: [] };

  if (type === TYPE.CNAME) {
    return {
      rcode: RCODE.NOERROR,
      records: set.cname ? [{ name: qname, type, class: CLASS.IN, ttl: TTL, domain: set.cname }] : [],
    };
  }
  if (type === TYPE.CAA && !set.cname) {
    return {
      rcode: RCODE.NOERROR,
      records: (set.caa ?? []).map((caa) => ({ name: qname, type, class: CLASS.IN, ttl: TTL, ...caa })),
    };
  }

  // Rebinding answers must not be cached by anyone: TTL 0, like a real attack.
  const ttl = set.aAfterFirst ? 0 : TTL;
  let addresses: string[] | undefined;
  if (type === TYPE.A && set.a) {
    const count = aQueries.get(name) ?? 0;
    aQueries.set(name, count + 1);
    addresses = count > 0 && set.aAfterFirst ? set.aAfterFirst : set.a;
  } else if (type === TYPE.AAAA) {
    addresses = set.aaaa;
  }

  if (!set.cname) {
    return { rcode: RCODE.NOERROR, records: addresses ? addressRecords(qname, type, addresses, ttl) : [] };
  }
  const alias = { name: qname, type: TYPE.CNAME, class: CLASS.IN, ttl, domain: set.cname };
  if (addresses) return { rcode: RCODE.NOERROR, records: [alias, ...addressRecords(set.cname, type, addresses, ttl)] };
  if (hops >= MAX_CNAME_HOPS) return { rcode: RCODE.SERVFAIL, records: [] };
  const target = answer(zone, aQueries, set.cname, type, hops + 1);
  return target && { rcode: target.rcode, records: [alias, ...target.records] };
}

type Handler = (request: Packet, send: (response: Packet) => Promise<unknown>) => void;
type Transport = 'udp' | 'tcp';

/** Binds UDP to an ephemeral port, then TCP to the same one; tries again if TCP finds that port taken. */
async function listenOnOnePort(
  handlerFor: (transport: Transport) => Handler,
): Promise<{ udp: UDPServer; tcp: TCPServer; port: number }> {
  for (let attempt = 1; ; attempt++) {
    const udp = new UDPServer(handlerFor('udp'));
    const tcp = new TCPServer(handlerFor('tcp'));
    // Socket errors after start (a send to a vanished client) must not crash the test run.
    for (const server of [udp, tcp]) server.on('error', () => {});
    await udp.listen(0, '127.0.0.1');
    const { port } = udp.address();
    try {
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen(port, '127.0.0.1', () => resolve());
      });
      return { udp, tcp, port };
    } catch (error) {
      await new Promise<void>((resolve) => udp.close(() => resolve()));
      if (attempt === 5) throw error;
    }
  }
}

/** How the DNS server behaves as a whole. */
export interface DnsServerOptions {
  /** Milliseconds added to every answer, emulating the round trip to a distant resolver. */
  latencyMs?: number;
}

/** Starts the DNS server on an ephemeral port of 127.0.0.1; `zone()` is read on every query. */
export async function startDnsServer(zone: () => Zone, options: DnsServerOptions = {}): Promise<LabDnsServer> {
  const aQueries = new Map<string, number>();
  const latencyMs = options.latencyMs ?? 0;

  const handlerFor =
    (transport: Transport): Handler =>
    (request, send) => {
      const response = Packet.createResponseFromRequest(request);
      response.header.ra = 1;
      const [question] = request.questions;
      const current = zone();
      const set = question && current.get(normalize(question.name));
      const tcpFault = transport === 'tcp' ? set?.tcpFault : undefined;
      const result = !question
        ? { rcode: RCODE.FORMERR, records: [] }
        : tcpFault
          ? faultAnswer(tcpFault)
          : answer(current, aQueries, question.name, question.type);
      if (!result) return;
      response.header.rcode = result.rcode;
      const truncate =
        transport === 'udp' &&
        result.records.length > 0 &&
        set?.truncatedOverUdp?.includes(TYPE_NAMES[question!.type]!) === true;
      response.header.tc = truncate ? 1 : 0;
      response.answers = (truncate ? result.records.slice(0, 1) : result.records) as Packet['answers'];
      const delay = latencyMs + (set?.delayMs ?? 0);
      if (delay > 0) setTimeout(() => void send(response).catch(() => {}), delay);
      else send(response).catch(() => {});
    };

  const { udp, tcp, port } = await listenOnOnePort(handlerFor);
  const tcpSockets = new Set<Socket>();
  tcp.on('connection', (socket: Socket) => {
    tcpSockets.add(socket);
    socket.on('close', () => tcpSockets.delete(socket));
  });

  return {
    address: `127.0.0.1:${port}`,
    resetQueryCounts: () => aQueries.clear(),
    close: async () => {
      for (const socket of tcpSockets) socket.destroy();
      await Promise.all([
        new Promise<void>((resolve) => udp.close(() => resolve())),
        new Promise<void>((resolve) => tcp.close(() => resolve())),
      ]);
    },
  };
}
