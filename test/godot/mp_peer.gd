# Godot 3.2 MultiplayerAPI peer for the enet-ts multiplayer interop tests (test/multiplayer/godot3.test.ts).
#   godot3-server --no-window -s mp_peer.gd --role=client|server --port=P --node=FILE [--seconds=S]
# /root/Main runs mp_node.gd. One JSON line per event.
# Server: greets each new peer with send_bytes("welcome") and rpc_id(id, "to_client", 42, "héllo", 1.5, true).
# Client: echoes the server's bytes as send_bytes("echo:" + text) to everyone; greets each other client with
# send_bytes("from <id>", id) and rpc_id(id, "hello", 7, "relay", 2.5, false).
extends SceneTree

var opt = {"role": "client", "port": "17700", "node": "", "seconds": "20"}
var main

func _say(d):
	print(JSON.print(d))

func _init():
	for a in OS.get_cmdline_args():
		if a.begins_with("--") and a.find("=") > 0:
			var kv = a.substr(2).split("=", true, 1)
			opt[kv[0]] = kv[1]
	var f = File.new()
	f.open(opt["node"], File.READ)
	var script = GDScript.new()
	script.source_code = f.get_as_text()
	f.close()
	script.reload()
	main = Node.new()
	main.name = "Main"
	main.set_script(script)
	root.call_deferred("add_child", main)
	# Deferred calls run in order: /root/Main is in the tree before the first packet can arrive
	# (an RPC to it in the first frame found no node otherwise).
	call_deferred("_start")

func _start():
	var peer = NetworkedMultiplayerENet.new()
	var err
	if opt["role"] == "server":
		err = peer.create_server(int(opt["port"]), 8)
	else:
		err = peer.create_client("127.0.0.1", int(opt["port"]))
	if err != OK:
		_say({"error": err})
		quit()
		return
	network_peer = peer
	connect("network_peer_connected", self, "_on_peer_connected")
	connect("network_peer_disconnected", self, "_on_peer_disconnected")
	connect("connected_to_server", self, "_on_connected")
	connect("server_disconnected", self, "_on_server_disconnected")
	multiplayer.connect("network_peer_packet", self, "_on_packet")
	_say({"started": opt["role"], "id": get_network_unique_id()})
	create_timer(float(opt["seconds"])).connect("timeout", self, "quit")

func _on_connected():
	_say({"connected_to_server": get_network_unique_id()})

func _on_server_disconnected():
	_say({"server_disconnected": true})

func _on_peer_disconnected(id):
	_say({"peer_disconnected": id})

func _on_peer_connected(id):
	_say({"peer_connected": id, "me": get_network_unique_id()})
	if is_network_server():
		multiplayer.send_bytes("welcome".to_utf8(), id)
		main.rpc_id(id, "to_client", 42, "héllo", 1.5, true)
	elif id != 1:
		multiplayer.send_bytes(("from %d" % get_network_unique_id()).to_utf8(), id)
		main.rpc_id(id, "hello", 7, "relay", 2.5, false)

func _on_packet(id, data):
	var text = data.get_string_from_utf8()
	_say({"bytes": text, "from": id})
	if not is_network_server() and id == 1 and not text.begins_with("echo:"):
		multiplayer.send_bytes(("echo:" + text).to_utf8())
