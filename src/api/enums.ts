/** Event types returned by `service()`, with Godot's values. */
export enum EventType {
  ERROR = -1,
  NONE = 0,
  CONNECT = 1,
  DISCONNECT = 2,
  RECEIVE = 3,
}

/** Peer states, with Godot's (and ENet's) values. */
export enum PeerState {
  DISCONNECTED = 0,
  CONNECTING = 1,
  ACKNOWLEDGING_CONNECT = 2,
  CONNECTION_PENDING = 3,
  CONNECTION_SUCCEEDED = 4,
  CONNECTED = 5,
  DISCONNECT_LATER = 6,
  DISCONNECTING = 7,
  ACKNOWLEDGING_DISCONNECT = 8,
  ZOMBIE = 9,
}

/** Datagram compression modes, with Godot's values. */
export enum CompressionMode {
  NONE = 0,
  RANGE_CODER = 1,
  FASTLZ = 2,
  ZLIB = 3,
  ZSTD = 4,
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
