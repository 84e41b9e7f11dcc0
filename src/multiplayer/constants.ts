/**
 * Constants of Godot's high-level multiplayer protocol (MultiplayerPeer, SceneMultiplayer,
 * Godot 3's NetworkedMultiplayerENet and MultiplayerAPI), with Godot's names and values.
 * This folder sits above src/api: it may import src/api (ENetConnection, ENetPacketPeer,
 * ENetError) and src/variant, never the engine or the transport directly.
 */

/** How a packet is delivered, as Godot's `MultiplayerPeer.TransferMode`. */
export enum TransferMode {
  UNRELIABLE = 0,
  UNRELIABLE_ORDERED = 1,
  RELIABLE = 2,
}

/** A MultiplayerPeer's connection status, as Godot's `MultiplayerPeer.ConnectionStatus`. */
export enum ConnectionStatus {
  DISCONNECTED = 0,
  CONNECTING = 1,
  CONNECTED = 2,
}

/** Who may call an RPC, as Godot 4's `MultiplayerAPI.RPCMode`. */
export enum RpcMode {
  DISABLED = 0,
  ANY_PEER = 1,
  AUTHORITY = 2,
}

/** `setTargetPeer` target: everyone. */
export const TARGET_PEER_BROADCAST = 0;
/** `setTargetPeer` target: the server (peer 1). */
export const TARGET_PEER_SERVER = 1;

/** ENet packet flags used by the multiplayer peers. */
export const FLAG_RELIABLE = 1;
/** ENet's unsequenced flag. */
export const FLAG_UNSEQUENCED = 2;
/** ENet's unreliable-fragment flag. */
export const FLAG_UNRELIABLE_FRAGMENT = 8;

/** SceneMultiplayer (Godot 4) command numbers: the low 3 bits of a packet's first byte. */
export enum NetworkCommand {
  REMOTE_CALL = 0,
  SIMPLIFY_PATH = 1,
  CONFIRM_PATH = 2,
  RAW = 3,
  SPAWN = 4,
  DESPAWN = 5,
  SYNC = 6,
  SYS = 7,
}

/** Mask of the command bits in a SceneMultiplayer packet's first byte. */
export const CMD_MASK = 7;

/** SceneMultiplayer SYS sub-commands (second byte of a SYS packet). */
export enum SysCommand {
  AUTH = 0,
  ADD_PEER = 1,
  DEL_PEER = 2,
  RELAY = 3,
}

/** Size of a SYS packet with a peer id: command, sub-command, int32. */
export const SYS_CMD_SIZE = 6;

/** Godot 3 MultiplayerAPI command numbers (the whole first byte). */
export enum NetworkCommand3 {
  REMOTE_CALL = 0,
  REMOTE_SET = 1,
  SIMPLIFY_PATH = 2,
  CONFIRM_PATH = 3,
  RAW = 4,
}

/** Godot 3 NetworkedMultiplayerENet system messages (channel 0, server to clients). */
export enum SysMessage3 {
  ADD_PEER = 0,
  REMOVE_PEER = 1,
}
