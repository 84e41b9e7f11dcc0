import { type DecodedCommand, encodeDatagram } from '../../src/protocol/codec.js';

/** Fields of a CONNECT that tests vary; the rest are ENet 1.3's defaults. */
export interface ConnectFields {
  outgoingPeerID?: number;
  channelCount?: number;
}

/** A CONNECT command as an ENet 1.3 client sends it, with `connectID`. */
export function connectCommand(connectID: number, fields: ConnectFields = {}): DecodedCommand {
  return {
    command: 2,
    name: 'CONNECT',
    acknowledge: true,
    unsequenced: false,
    channelID: 0xff,
    reliableSequenceNumber: 1,
    fields: {
      outgoingPeerID: fields.outgoingPeerID ?? 0,
      incomingSessionID: 0xff,
      outgoingSessionID: 0xff,
      mtu: 1392,
      windowSize: 65536,
      channelCount: fields.channelCount ?? 2,
      incomingBandwidth: 0,
      outgoingBandwidth: 0,
      packetThrottleInterval: 5000,
      packetThrottleAcceleration: 2,
      packetThrottleDeceleration: 2,
      connectID: (connectID >>> 0).toString(16).padStart(8, '0'),
      data: 0,
    },
  };
}

/** A datagram with one CONNECT, as a client that never answers VERIFY_CONNECT sends it. */
export function spoofedConnect(connectID: number, fields: ConnectFields = {}, sentTime = connectID & 0xffff): Uint8Array {
  return encodeDatagram({ peerID: 0xfff, sessionID: 0, compressed: false, sentTime }, [connectCommand(connectID, fields)]);
}
