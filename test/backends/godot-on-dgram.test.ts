// The Godot 3.2 and Godot 4.3 interop tests (ENetConnection, Variant, multiplayer), again on the
// node:dgram backend.
import { onDgramBackend } from '../support/on-dgram-backend.js';

onDgramBackend('Godot interop', [
  () => import('../interop/godot.test.js'),
  () => import('../interop/godot4.test.js'),
  () => import('../variant/live-godot.test.js'),
  () => import('../multiplayer/godot4.test.js'),
  () => import('../multiplayer/godot3.test.js'),
]);
