/** enet-ts: ENet 1.3 as Godot's ENetConnection / ENetPacketPeer, for Node.js. */
export { ENetConnection, type ServiceEvent, type ConnectionEvent, type ENetWarning } from './api/connection.js';
export { ENetPacketPeer } from './api/packet-peer.js';
export { ENetError, type ENetErrorCode } from './api/errors.js';
export { EventType, PeerState, CompressionMode, HostStatistic, PeerStatistic } from './api/enums.js';
export type { LinkConditions } from './transport/link-shaper.js';
export type { SocketBackendChoice } from './transport/open-socket.js';
export type { SocketBackendName } from './transport/datagram-socket.js';
export type { DropReason } from './engine/host.js';
export { TLSOptions } from './transport/dtls/tls-options.js';
export * from './variant/index.js';
export {
  ENetMultiplayerPeer,
  MultiplayerPeer,
  SceneMultiplayer,
  RpcNode,
  TransferMode,
  ConnectionStatus,
  RpcMode,
  TARGET_PEER_BROADCAST,
  TARGET_PEER_SERVER,
  type MultiplayerPeerEvents,
  type SceneMultiplayerEvents,
  type MultiplayerWarning,
  type RpcMethod,
  type VariantCodec,
  NetworkedMultiplayerENet,
  MultiplayerAPI,
  type MultiplayerAPIEvents,
  RpcMode3,
  type RpcMethod3,
  RpcNode3,
  defaultVariantCodec,
} from './multiplayer/index.js';
