extends SceneTree
# Godot 4 SceneMultiplayer peer for the enet-ts multiplayer interop tests (test/multiplayer/).
#   --role client|server  --port P  --host H (127.0.0.1)  --node FILE (mp_node.gd)
#   --auth none|good|bad  (answer the other side's authentication data with "secret" or "wrong", then complete)
#   --seconds S (20)
# The node /root/Main runs mp_node.gd. Output: one JSON line per event.
# Server: greets each new peer with send_bytes("welcome") and to_client.rpc_id(id, 42, "héllo", 1.5, true).
# Client: echoes the server's bytes as send_bytes("echo:" + text) (target 0, so relayed); greets each
# other client (seen through the server's relay) with send_bytes("from <id>", id) and hello.rpc_id(id, 7,
# "relay", 2.5, false).

var opt = {"--role": "client", "--port": "17600", "--host": "127.0.0.1", "--node": "", "--auth": "none", "--seconds": "20"}
var mp: SceneMultiplayer
var main: Node


func _say(d: Dictionary) -> void:
	print(JSON.stringify(d))


func _initialize():
	var a = OS.get_cmdline_user_args()
	var i = 0
	while i + 1 < a.size():
		opt[a[i]] = a[i + 1]
		i += 2
	var src = FileAccess.get_file_as_string(opt["--node"])
	var script = GDScript.new()
	script.source_code = src
	if script.reload() != OK:
		_say({"error": "node script does not compile"})
		quit(1)
		return
	main = Node.new()
	main.name = "Main"
	main.set_script(script)
	root.add_child(main)
	mp = get_multiplayer() as SceneMultiplayer
	mp.peer_connected.connect(_on_peer_connected)
	mp.peer_disconnected.connect(func(id): _say({"peer_disconnected": id}))
	mp.peer_packet.connect(_on_packet)
	mp.connected_to_server.connect(func(): _say({"connected_to_server": mp.get_unique_id()}))
	mp.connection_failed.connect(func(): _say({"connection_failed": true}))
	mp.server_disconnected.connect(func(): _say({"server_disconnected": true}))
	mp.peer_authentication_failed.connect(func(id): _say({"auth_failed": id}))
	if opt["--auth"] != "none":
		mp.auth_callback = _on_auth
	var peer = ENetMultiplayerPeer.new()
	var err
	if opt["--role"] == "server":
		err = peer.create_server(int(opt["--port"]), 8)
	else:
		err = peer.create_client(opt["--host"], int(opt["--port"]))
	if err != OK:
		_say({"error": "create failed", "code": err})
		quit(1)
		return
	mp.multiplayer_peer = peer
	_say({"started": opt["--role"], "id": mp.get_unique_id()})
	create_timer(float(opt["--seconds"])).timeout.connect(func(): quit(0))


func _on_auth(id: int, data: PackedByteArray) -> void:
	_say({"auth_data": data.get_string_from_utf8(), "from": id})
	var answer = "secret" if opt["--auth"] == "good" else "wrong"
	mp.send_auth(id, answer.to_utf8_buffer())
	mp.complete_auth(id)


func _on_peer_connected(id: int) -> void:
	_say({"peer_connected": id, "me": mp.get_unique_id()})
	if mp.is_server():
		mp.send_bytes("welcome".to_utf8_buffer(), id)
		main.to_client.rpc_id(id, 42, "héllo", 1.5, true)
	elif id != 1:
		mp.send_bytes(("from %d" % mp.get_unique_id()).to_utf8_buffer(), id)
		main.hello.rpc_id(id, 7, "relay", 2.5, false)


func _on_packet(id: int, data: PackedByteArray) -> void:
	var text = data.get_string_from_utf8()
	_say({"bytes": text, "from": id})
	if not mp.is_server() and id == 1 and not text.begins_with("echo:"):
		mp.send_bytes(("echo:" + text).to_utf8_buffer())
