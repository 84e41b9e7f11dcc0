import {
  COMMAND_FLAG_ACKNOWLEDGE,
  COMMAND_FLAG_UNSEQUENCED,
  COMMAND_MASK,
  COMMAND_SIZES,
  Command,
  HEADER_FLAG_COMPRESSED,
  HEADER_FLAG_SENT_TIME,
  HEADER_SESSION_MASK,
  HEADER_SESSION_SHIFT,
  PROTOCOL_MAXIMUM_PEER_ID,
} from './constants.js';
import { crc32 } from './crc32.js';

type FieldType = 'u8' | 'u16' | 'u32' | 'raw4';

/** Wire layout of each command's body after the 4-byte command header, in order. */
const LAYOUTS: Record<number, ReadonlyArray<readonly [string, FieldType]>> = {
  [Command.ACKNOWLEDGE]: [
    ['receivedReliableSequenceNumber', 'u16'],
    ['receivedSentTime', 'u16'],
  ],
  [Command.CONNECT]: [
    ['outgoingPeerID', 'u16'],
    ['incomingSessionID', 'u8'],
    ['outgoingSessionID', 'u8'],
    ['mtu', 'u32'],
    ['windowSize', 'u32'],
    ['channelCount', 'u32'],
    ['incomingBandwidth', 'u32'],
    ['outgoingBandwidth', 'u32'],
    ['packetThrottleInterval', 'u32'],
    ['packetThrottleAcceleration', 'u32'],
    ['packetThrottleDeceleration', 'u32'],
    ['connectID', 'raw4'],
    ['data', 'u32'],
  ],
  [Command.VERIFY_CONNECT]: [
    ['outgoingPeerID', 'u16'],
    ['incomingSessionID', 'u8'],
    ['outgoingSessionID', 'u8'],
    ['mtu', 'u32'],
    ['windowSize', 'u32'],
    ['channelCount', 'u32'],
    ['incomingBandwidth', 'u32'],
    ['outgoingBandwidth', 'u32'],
    ['packetThrottleInterval', 'u32'],
    ['packetThrottleAcceleration', 'u32'],
    ['packetThrottleDeceleration', 'u32'],
    ['connectID', 'raw4'],
  ],
  [Command.DISCONNECT]: [['data', 'u32']],
  [Command.PING]: [],
  [Command.SEND_RELIABLE]: [['dataLength', 'u16']],
  [Command.SEND_UNRELIABLE]: [
    ['unreliableSequenceNumber', 'u16'],
    ['dataLength', 'u16'],
  ],
  [Command.SEND_FRAGMENT]: [
    ['startSequenceNumber', 'u16'],
    ['dataLength', 'u16'],
    ['fragmentCount', 'u32'],
    ['fragmentNumber', 'u32'],
    ['totalLength', 'u32'],
    ['fragmentOffset', 'u32'],
  ],
  [Command.SEND_UNSEQUENCED]: [
    ['unsequencedGroup', 'u16'],
    ['dataLength', 'u16'],
  ],
  [Command.BANDWIDTH_LIMIT]: [
    ['incomingBandwidth', 'u32'],
    ['outgoingBandwidth', 'u32'],
  ],
  [Command.THROTTLE_CONFIGURE]: [
    ['packetThrottleInterval', 'u32'],
    ['packetThrottleAcceleration', 'u32'],
    ['packetThrottleDeceleration', 'u32'],
  ],
  [Command.SEND_UNRELIABLE_FRAGMENT]: [
    ['startSequenceNumber', 'u16'],
    ['dataLength', 'u16'],
    ['fragmentCount', 'u32'],
    ['fragmentNumber', 'u32'],
    ['totalLength', 'u32'],
    ['fragmentOffset', 'u32'],
  ],
};

/** ENet's name of each command number. */
export const COMMAND_NAMES: readonly string[] = [
  'NONE',
  'ACKNOWLEDGE',
  'CONNECT',
  'VERIFY_CONNECT',
  'DISCONNECT',
  'PING',
  'SEND_RELIABLE',
  'SEND_UNRELIABLE',
  'SEND_FRAGMENT',
  'SEND_UNSEQUENCED',
  'BANDWIDTH_LIMIT',
  'THROTTLE_CONFIGURE',
  'SEND_UNRELIABLE_FRAGMENT',
];

/** A datagram header as decoded. */
export interface DecodedHeader {
  peerID: number;
  sessionID: number;
  compressed: boolean;
  /** Present when the SENT_TIME flag is set. */
  sentTime?: number;
  /** The checksum field, when the datagram was decoded with checksums on. */
  checksum?: number;
}

/** A command as decoded: number, flags, header fields, body fields and payload. */
export interface DecodedCommand {
  command: number;
  name: string;
  acknowledge: boolean;
  unsequenced: boolean;
  channelID: number;
  reliableSequenceNumber: number;
  /** Body fields by ENet's names; `connectID` is 8 hex digits (raw bytes). */
  fields: Record<string, number | string>;
  /** Payload of SEND_* commands. */
  data?: Uint8Array;
}

/** A decoded datagram, or why it could not be decoded. */
export type DecodeResult = { ok: true; header: DecodedHeader; commands: DecodedCommand[] } | { ok: false; error: string };

/**
 * Decodes a plain (uncompressed) datagram into header and commands. Never throws: malformed
 * input gives `{ ok: false, error }`. With `checksum`, a 4-byte checksum follows the header.
 */
export function decodeDatagram(datagram: Uint8Array, options: { checksum?: boolean } = {}): DecodeResult {
  const buf = Buffer.from(datagram.buffer, datagram.byteOffset, datagram.byteLength);
  if (buf.length < 2) return { ok: false, error: `datagram of ${buf.length} bytes is shorter than a header` };
  const word = buf.readUInt16BE(0);
  const header: DecodedHeader = {
    peerID: word & PROTOCOL_MAXIMUM_PEER_ID,
    sessionID: (word & HEADER_SESSION_MASK) >>> HEADER_SESSION_SHIFT,
    compressed: (word & HEADER_FLAG_COMPRESSED) !== 0,
  };
  let pos = 2;
  if (word & HEADER_FLAG_SENT_TIME) {
    if (buf.length < 4) return { ok: false, error: 'SENT_TIME flag set but no sent time' };
    header.sentTime = buf.readUInt16BE(2);
    pos = 4;
  }
  if (options.checksum) {
    if (buf.length < pos + 4) return { ok: false, error: 'no room for the checksum' };
    header.checksum = buf.readUInt32BE(pos);
    pos += 4;
  }
  if (header.compressed) return { ok: false, error: 'compressed datagram: decompress the body first' };
  const commands: DecodedCommand[] = [];
  while (pos < buf.length) {
    if (pos + 4 > buf.length) return { ok: false, error: `truncated command header at ${pos}` };
    const byte = buf[pos]!;
    const number = byte & COMMAND_MASK;
    const size = COMMAND_SIZES[number] ?? 0;
    if (number === Command.NONE || number >= Command.COUNT || size === 0)
      return { ok: false, error: `unknown command ${number} at ${pos}` };
    if (pos + size > buf.length) return { ok: false, error: `truncated ${COMMAND_NAMES[number]} at ${pos}` };
    const cmd: DecodedCommand = {
      command: number,
      name: COMMAND_NAMES[number]!,
      acknowledge: (byte & COMMAND_FLAG_ACKNOWLEDGE) !== 0,
      unsequenced: (byte & COMMAND_FLAG_UNSEQUENCED) !== 0,
      channelID: buf[pos + 1]!,
      reliableSequenceNumber: buf.readUInt16BE(pos + 2),
      fields: {},
    };
    let at = pos + 4;
    for (const [name, type] of LAYOUTS[number]!) {
      switch (type) {
        case 'u8':
          cmd.fields[name] = buf[at]!;
          at += 1;
          break;
        case 'u16':
          cmd.fields[name] = buf.readUInt16BE(at);
          at += 2;
          break;
        case 'u32':
          cmd.fields[name] = buf.readUInt32BE(at);
          at += 4;
          break;
        case 'raw4':
          cmd.fields[name] = buf.subarray(at, at + 4).toString('hex');
          at += 4;
          break;
      }
    }
    pos += size;
    if ('dataLength' in cmd.fields) {
      const len = cmd.fields.dataLength as number;
      if (pos + len > buf.length) return { ok: false, error: `payload of ${len} bytes overruns the datagram at ${pos}` };
      cmd.data = buf.subarray(pos, pos + len);
      pos += len;
    }
    commands.push(cmd);
  }
  return { ok: true, header, commands };
}

/**
 * Encodes header and commands into a datagram. With `checksumSeed` (the connect id as a u32, or
 * 0), a CRC32 checksum is computed and written as ENet does.
 */
export function encodeDatagram(header: DecodedHeader, commands: DecodedCommand[], options: { checksumSeed?: number } = {}): Uint8Array {
  let size = 2 + (header.sentTime !== undefined ? 2 : 0) + (options.checksumSeed !== undefined ? 4 : 0);
  for (const c of commands) size += COMMAND_SIZES[c.command]! + (c.data?.length ?? 0);
  const buf = Buffer.alloc(size);
  let word = (header.peerID & PROTOCOL_MAXIMUM_PEER_ID) | ((header.sessionID & 3) << HEADER_SESSION_SHIFT);
  if (header.compressed) word |= HEADER_FLAG_COMPRESSED;
  if (header.sentTime !== undefined) word |= HEADER_FLAG_SENT_TIME;
  buf.writeUInt16BE(word, 0);
  let pos = 2;
  if (header.sentTime !== undefined) {
    buf.writeUInt16BE(header.sentTime, 2);
    pos = 4;
  }
  const checksumAt = pos;
  if (options.checksumSeed !== undefined) {
    buf.writeUInt32BE(options.checksumSeed >>> 0, pos);
    pos += 4;
  }
  for (const c of commands) {
    buf[pos] = c.command | (c.acknowledge ? COMMAND_FLAG_ACKNOWLEDGE : 0) | (c.unsequenced ? COMMAND_FLAG_UNSEQUENCED : 0);
    buf[pos + 1] = c.channelID;
    buf.writeUInt16BE(c.reliableSequenceNumber, pos + 2);
    let at = pos + 4;
    for (const [name, type] of LAYOUTS[c.command]!) {
      const v = c.fields[name] ?? 0;
      switch (type) {
        case 'u8':
          buf[at] = Number(v);
          at += 1;
          break;
        case 'u16':
          buf.writeUInt16BE(Number(v) & 0xffff, at);
          at += 2;
          break;
        case 'u32':
          buf.writeUInt32BE(Number(v) >>> 0, at);
          at += 4;
          break;
        case 'raw4':
          Buffer.from(String(v).padStart(8, '0'), 'hex').copy(buf, at);
          at += 4;
          break;
      }
    }
    pos += COMMAND_SIZES[c.command]!;
    if (c.data) {
      buf.set(c.data, pos);
      pos += c.data.length;
    }
  }
  if (options.checksumSeed !== undefined) buf.writeUInt32BE(crc32(buf) >>> 0, checksumAt);
  return buf;
}
