/**
 * Godot's high-level multiplayer for Node.js: ENetMultiplayerPeer and SceneMultiplayer (Godot 4),
 * NetworkedMultiplayerENet and MultiplayerAPI (Godot 3). Built on src/api's ENetConnection and
 * ENetPacketPeer and on src/variant; nothing below src/api is imported here.
 */
export { ConnectionStatus, RpcMode, TARGET_PEER_BROADCAST, TARGET_PEER_SERVER, TransferMode } from './constants.js';
export { type IncomingPacket, MultiplayerPeer, type MultiplayerPeerEvents } from './multiplayer-peer.js';
export { ENetMultiplayerPeer } from './enet-multiplayer-peer.js';
export { SceneMultiplayer, type SceneMultiplayerEvents, type MultiplayerWarning } from './scene-multiplayer.js';
export { RpcNode } from './scene-rpc.js';
export type { RpcMethod, RpcModeName, TransferModeName } from './rpc-config.js';
export type { VariantCodec } from './compressed-variant.js';
export { NetworkedMultiplayerENet } from './networked-multiplayer-enet.js';
export { MultiplayerAPI, type MultiplayerAPIEvents, RpcMode3, type RpcMethod3, RpcNode3 } from './multiplayer-api3.js';
export { defaultVariantCodec } from './variant-codec.js';
