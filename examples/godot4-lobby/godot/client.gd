extends SceneTree
# A headless Godot 4 client of the enet-ts lobby server: joins with a name, says hello, walks around
# (move RPCs go to everyone: the server relays them to the other clients), prints what it sees.
#   godot --headless --path examples/godot4-lobby/godot --script client.gd -- --name Ann [--host H] [--port 7777] [--seconds 10]

var opt = {"--name": "Godot", "--host": "127.0.0.1", "--port": "7777", "--seconds": "10"}
var lobby: Node
var step = 0


func _initialize():
	var a = OS.get_cmdline_user_args()
	for i in range(0, a.size() - 1, 2):
		opt[a[i]] = a[i + 1]
	lobby = Node.new()
	lobby.name = "Lobby"
	# lobby.gd sits beside this script (res://lobby.gd when run with --path on this folder).
	lobby.set_script(load(get_script().resource_path.get_base_dir().path_join("lobby.gd")))
	root.add_child(lobby)
	lobby.line.connect(func(t): print(t))
	var mp := get_multiplayer() as SceneMultiplayer
	mp.connected_to_server.connect(_on_connected)
	mp.connection_failed.connect(_on_failed)
	mp.server_disconnected.connect(_on_closed)
	mp.peer_connected.connect(_on_peer_connected)
	var peer = ENetMultiplayerPeer.new()
	if peer.create_client(opt["--host"], int(opt["--port"])) != OK:
		print("cannot create the client")
		quit(1)
		return
	mp.multiplayer_peer = peer
	create_timer(float(opt["--seconds"])).timeout.connect(func(): quit(0))


func _on_connected():
	print("connected as %d" % get_multiplayer().get_unique_id())
	lobby.join.rpc_id(1, opt["--name"])
	lobby.chat.rpc_id(1, "hello from %s" % opt["--name"])
	create_timer(0.5).timeout.connect(_walk)


func _on_peer_connected(id: int):
	if id != 1:
		print("I can see peer %d through the server" % id)


func _walk():
	step += 1
	lobby.move.rpc(Vector2(step * 10, step * 5))
	create_timer(0.5).timeout.connect(_walk)


func _on_failed():
	print("could not connect")
	quit(1)


func _on_closed():
	print("server closed")
	quit(0)
