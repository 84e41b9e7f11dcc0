/** ENet 1.3 protocol and host constants (values of lsalzman/enet 1.3.18 as bundled by Godot). */

/** Smallest MTU a peer may negotiate. */
export const PROTOCOL_MINIMUM_MTU = 576;
/** Largest MTU, and the size of the receive buffer: datagrams above it are dropped. */
export const PROTOCOL_MAXIMUM_MTU = 4096;
/** Most commands one datagram may carry. */
export const PROTOCOL_MAXIMUM_PACKET_COMMANDS = 32;
/** Reliable window clamp, low end (bytes). */
export const PROTOCOL_MINIMUM_WINDOW_SIZE = 4096;
/** Reliable window clamp, high end (bytes). */
export const PROTOCOL_MAXIMUM_WINDOW_SIZE = 65536;
/** Fewest channels a connection may have. */
export const PROTOCOL_MINIMUM_CHANNEL_COUNT = 1;
/** Most channels a connection may have. */
export const PROTOCOL_MAXIMUM_CHANNEL_COUNT = 255;
/** The 12-bit peer id meaning "no peer assigned yet"; also the exclusive bound on peer slots. */
export const PROTOCOL_MAXIMUM_PEER_ID = 0xfff;
/** Most fragments one packet may be split into. */
export const PROTOCOL_MAXIMUM_FRAGMENT_COUNT = 1024 * 1024;

/** Command numbers (low 4 bits of the command byte). */
export enum Command {
  NONE = 0,
  ACKNOWLEDGE = 1,
  CONNECT = 2,
  VERIFY_CONNECT = 3,
  DISCONNECT = 4,
  PING = 5,
  SEND_RELIABLE = 6,
  SEND_UNRELIABLE = 7,
  SEND_FRAGMENT = 8,
  SEND_UNSEQUENCED = 9,
  BANDWIDTH_LIMIT = 10,
  THROTTLE_CONFIGURE = 11,
  SEND_UNRELIABLE_FRAGMENT = 12,
  COUNT = 13,
}

/** Mask selecting the command number from the command byte. */
export const COMMAND_MASK = 0x0f;
/** Command flag: the receiver must acknowledge this command. */
export const COMMAND_FLAG_ACKNOWLEDGE = 0x80;
/** Command flag: the command is unsequenced. */
export const COMMAND_FLAG_UNSEQUENCED = 0x40;

/** Header flag: the datagram body is compressed. */
export const HEADER_FLAG_COMPRESSED = 0x4000;
/** Header flag: a 16-bit sent time follows the peer id word. */
export const HEADER_FLAG_SENT_TIME = 0x8000;
/** Mask of both header flags. */
export const HEADER_FLAG_MASK = 0xc000;
/** Mask of the 2-bit session id in the header word. */
export const HEADER_SESSION_MASK = 0x3000;
/** Shift of the session id in the header word. */
export const HEADER_SESSION_SHIFT = 12;

/** Fixed size in bytes of each command, indexed by command number (0 = invalid). */
export const COMMAND_SIZES: readonly number[] = [0, 8, 48, 44, 8, 4, 6, 8, 24, 8, 12, 16, 24];

/** The channel id used by connection-management commands. */
export const SYSTEM_CHANNEL = 0xff;

/** Host defaults. */
export const HOST_DEFAULT_MTU = 1392;
export const HOST_DEFAULT_MAXIMUM_PACKET_SIZE = 32 * 1024 * 1024;
export const HOST_DEFAULT_MAXIMUM_WAITING_DATA = 32 * 1024 * 1024;
export const HOST_BANDWIDTH_THROTTLE_INTERVAL = 1000;
export const HOST_RECEIVE_BUFFER_SIZE = 256 * 1024;
export const HOST_SEND_BUFFER_SIZE = 256 * 1024;

/** Peer defaults and scales. */
export const PEER_DEFAULT_ROUND_TRIP_TIME = 500;
export const PEER_DEFAULT_PACKET_THROTTLE = 32;
export const PEER_PACKET_THROTTLE_SCALE = 32;
export const PEER_PACKET_THROTTLE_COUNTER = 7;
export const PEER_PACKET_THROTTLE_ACCELERATION = 2;
export const PEER_PACKET_THROTTLE_DECELERATION = 2;
export const PEER_PACKET_THROTTLE_INTERVAL = 5000;
export const PEER_PACKET_LOSS_SCALE = 1 << 16;
export const PEER_PACKET_LOSS_INTERVAL = 10000;
export const PEER_WINDOW_SIZE_SCALE = 64 * 1024;
export const PEER_TIMEOUT_LIMIT = 32;
export const PEER_TIMEOUT_MINIMUM = 5000;
export const PEER_TIMEOUT_MAXIMUM = 30000;
export const PEER_PING_INTERVAL = 500;
export const PEER_UNSEQUENCED_WINDOW_SIZE = 1024;
export const PEER_FREE_UNSEQUENCED_WINDOWS = 32;
export const PEER_RELIABLE_WINDOWS = 16;
export const PEER_RELIABLE_WINDOW_SIZE = 0x1000;
export const PEER_FREE_RELIABLE_WINDOWS = 8;

/** Window of the wrap-aware u32 time comparison (ms). */
export const TIME_OVERFLOW = 86400000;

/** Packet flags (API, never on the wire). */
export const PACKET_FLAG_RELIABLE = 1;
export const PACKET_FLAG_UNSEQUENCED = 2;
export const PACKET_FLAG_UNRELIABLE_FRAGMENT = 8;
/** Flags accepted by send and broadcast. */
export const PACKET_FLAGS_ALLOWED = 11;
