export { PeerState } from '../protocol/peer-state.js';
export { CompressionMode } from '../compress/compression-mode.js';

/** Event types returned by `service()`, with Godot's values. */
export enum EventType {
  ERROR = -1,
  NONE = 0,
  CONNECT = 1,
  DISCONNECT = 2,
  RECEIVE = 3,
}

/** Host-wide counters read (and reset) by `popStatistic`. */
export enum HostStatistic {
  TOTAL_SENT_DATA = 0,
  TOTAL_SENT_PACKETS = 1,
  TOTAL_RECEIVED_DATA = 2,
  TOTAL_RECEIVED_PACKETS = 3,
}

/** Per-peer values read by `getStatistic`. */
export enum PeerStatistic {
  PACKET_LOSS = 0,
  PACKET_LOSS_VARIANCE = 1,
  PACKET_LOSS_EPOCH = 2,
  ROUND_TRIP_TIME = 3,
  ROUND_TRIP_TIME_VARIANCE = 4,
  LAST_ROUND_TRIP_TIME = 5,
  LAST_ROUND_TRIP_TIME_VARIANCE = 6,
  PACKET_THROTTLE = 7,
  PACKET_THROTTLE_LIMIT = 8,
  PACKET_THROTTLE_COUNTER = 9,
  PACKET_THROTTLE_EPOCH = 10,
  PACKET_THROTTLE_ACCELERATION = 11,
  PACKET_THROTTLE_DECELERATION = 12,
  PACKET_THROTTLE_INTERVAL = 13,
}
