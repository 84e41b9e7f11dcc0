/**
 * The lobby's shared declarations: the /root/Lobby node as godot/lobby.gd declares it. Both the
 * server and the bots use it; keep it in step with the GDScript (same names, modes and channels).
 */
import { type RpcMethod, type RpcNode, type SceneMultiplayer, TransferMode } from '../../src/index.js';

/** The RPC names of godot/lobby.gd, each with its @rpc settings; handlers are attached by the caller. */
export function declareLobby(mp: SceneMultiplayer, handlers: Partial<Record<LobbyRpc, (...args: never[]) => void>>): RpcNode {
  const rpc = (settings: RpcMethod, name: LobbyRpc): RpcMethod => ({ ...settings, call: handlers[name] as RpcMethod['call'] });
  return mp.addNode('Lobby', {
    join: rpc({ mode: 'any_peer' }, 'join'),
    chat: rpc({ mode: 'any_peer' }, 'chat'),
    move: rpc({ mode: 'any_peer', transferMode: TransferMode.UNRELIABLE_ORDERED }, 'move'),
    welcome: rpc({}, 'welcome'),
    player_joined: rpc({}, 'player_joined'),
    player_left: rpc({}, 'player_left'),
    chat_message: rpc({}, 'chat_message'),
  });
}

/** The lobby's RPC method names. */
export type LobbyRpc = 'join' | 'chat' | 'move' | 'welcome' | 'player_joined' | 'player_left' | 'chat_message';
